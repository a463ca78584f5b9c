# Hostile inputs for the bounds tests, made without a compressor (sourced).

# zstd_rle_frame BYTES: one zstd frame declaring BYTES (a multiple of 128 KiB)
# of zeros as RLE blocks: 4 bytes per 128 KiB, so 4 GiB is 128 KiB of frame.
zstd_rle_frame() {
  local blocks=$(($1 / 131072)) i
  printf '\x28\xb5\x2f\xfd\xe0'  # magic; header: 8-byte content size, single segment
  for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"; done
  # Block header (little-endian 24 bits): size 128 KiB << 3 | RLE (1) << 1 | last.
  local body
  body=$(printf '\\x02\\x00\\x10\\x00%.0s' $(seq $((blocks - 1))))
  printf "$body"
  printf '\x03\x00\x10\x00'
}

# bomb_checkpoint DIR CHUNK_SIZE RAW_SIZE CHUNKS: a checkpoint whose canonical
# manifest declares CHUNK_SIZE and CHUNKS chunks of RAW_SIZE each, every chunk
# file one RLE frame declaring RAW_SIZE zero bytes (so its digest fails). The
# manifest is canonical: its id is sha256sum of the file.
bomb_checkpoint() {
  local dir=$1 chunk_size=$2 raw=$3 n=$4 i chunks="" digest
  digest=$(printf '%064d' 0 | tr 0 a)
  mkdir -p "$dir/chunks"
  { printf 'CKPTCHNK\x01\x00\x00\x00'; zstd_rle_frame "$raw"; } >"$dir/chunks/00000000.chunk"
  for ((i = 0; i < n; i++)); do
    [ "$i" -gt 0 ] && cp "$dir/chunks/00000000.chunk" "$dir/chunks/$(printf %08d "$i").chunk"
    local lo=""
    [ "$i" -gt 0 ] && lo=$(printf %02x "$i")
    chunks+="${chunks:+,}{\"digest\":\"$digest\",\"leaves\":0,\"lo\":\"$lo\",\"raw_size\":$raw}"
  done
  printf '{"chunk_size":%s,"chunker_version":1,"chunks":[%s],"format":"checkpoint-manifest","format_version":1,"hash":"sha256","height":1,"leaves":0,"root":"%s"}\n' \
    "$chunk_size" "$chunks" "$digest" >"$dir/manifest.json"
}
