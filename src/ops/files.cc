#include "ops/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "checkpoint/checkpoint.h"
#include "checkpoint/manifest.h"

namespace checkpoint {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

class Fd {  // owns one descriptor; not copyable
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, const std::string& path, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// `path` as its directory and last component ("a/b" -> "a", "b"; "b" -> ".", "b").
void Split(const std::string& path, std::string* dir, std::string* name) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    *dir = ".";
    *name = path;
  } else {
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *name = path.substr(slash + 1);
  }
}

// openat of `name` in `dir`: no link followed, no blocking (a FIFO opens at
// once, or fails ENXIO for writing), and only a regular file is accepted.
Status OpenAt(int dir, const std::string& path, const std::string& name, int flags, int* out) {
  if (name.empty() || name == "." || name == "..")
    return Status::IOError(path + " is not a file name");
  Fd fd(::openat(dir, name.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("missing " + path);
    if (errno == ELOOP) return Status::IOError(path + " is a symbolic link (not followed)");
    if (errno == ENXIO || errno == EISDIR) return Status::IOError(path + " is not a regular file");
    return Errno("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + " is not a regular file");
  // Regular files ignore O_NONBLOCK, but clear it for whoever reads on.
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  *out = fd.release();
  return Status::OK();
}

// A new file `path`, created exclusively relative to its directory; -1 and errno on failure.
int CreateNew(const std::string& path, mode_t mode = 0644) {
  std::string dir, name;
  Split(path, &dir, &name);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return -1;
  const int fd =
      ::openat(dfd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  const int saved = errno;
  ::close(dfd.release());
  errno = saved;
  return fd;
}

std::atomic<uint64_t> g_file_ops{0};
std::atomic<uint64_t> g_fail_at{[] {
  const char* env = std::getenv("CHECKPOINT_FAIL_FILE_OP");
  return env ? std::strtoull(env, nullptr, 10) : 0ull;
}()};

Status Injected(const std::string& what, const std::string& path) {
  const uint64_t n = ++g_file_ops;
  const uint64_t at = g_fail_at.load();
  if (at != 0 && n >= at) return Status::IOError("injected failure: " + what + " " + path);
  return Status::OK();
}

}  // namespace

void SetFileFaultForTesting(uint64_t n) {
  g_file_ops = 0;
  g_fail_at = n;
}

Status RenamePath(const std::string& from, const std::string& to) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("rename", from));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::IOError("cannot rename " + from + " to " + to + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status ExchangePaths(const std::string& a, const std::string& b) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("rename", a));
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
    return Status::IOError("cannot exchange " + a + " and " + b + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status OpenRegularFile(const std::string& path, int flags, int* out) {
  std::string dir, name;
  Split(path, &dir, &name);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("missing " + path);
    return Errno("cannot open directory", dir);
  }
  return OpenAt(dfd.get(), path, name, flags, out);
}

Status WriteFileSynced(const std::string& path, std::string_view data) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", path));
  int raw = -1;
  CHECKPOINT_RETURN_IF_ERROR(OpenRegularFile(path, O_WRONLY | O_CREAT, &raw));
  Fd fd(raw);
  if (::ftruncate(fd.get(), 0) != 0) return Errno("cannot truncate", path);
  CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd.get(), path, data));
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", path);
  if (::close(fd.release()) != 0) return Errno("cannot close", path);
  return Status::OK();
}

Status WriteNewFileSynced(const std::string& path, std::string_view data, mode_t mode) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", path));
  Fd fd(CreateNew(path, mode));
  if (fd.get() < 0) return Errno("cannot create", path);
  CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd.get(), path, data));
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", path);
  if (::close(fd.release()) != 0) return Errno("cannot close", path);
  return Status::OK();
}

namespace {

// Writes `buf` past the page cache (O_DIRECT): cheaper than the kernel's
// page-by-page copy. The last block is padded (inside the buffer's whole
// blocks) and the file cut back to size. Where the file system refuses
// O_DIRECT, the rest is written the usual way.
Status WriteDirect(int fd, const std::string& path, AlignedBuffer* buf) {
  const size_t size = buf->size();
  if (size > buf->capacity()) return Status::InvalidArgument(path + ": buffer overrun");
  const size_t padded =
      (size + AlignedBuffer::kAlign - 1) / AlignedBuffer::kAlign * AlignedBuffer::kAlign;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) {
    return WriteAll(fd, path, buf->view());
  }
  if (padded > size) std::memset(buf->data() + size, 0, padded - size);
  size_t done = 0;
  while (done < padded) {
    const ssize_t n = ::pwrite(fd, buf->data() + done, padded - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && (::fcntl(fd, F_GETFL) & O_DIRECT)) {
      ::fcntl(fd, F_SETFL, flags);  // refused (or a short write left us unaligned)
      continue;
    }
    if (n <= 0) return Errno("cannot write", path);
    done += static_cast<size_t>(n);
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return Errno("cannot truncate", path);
  return Status::OK();
}

// Creates `path` (O_EXCL), writes through `write`, closes.
template <typename WriteFn>
Status WriteNewFile(const std::string& path, WriteFn&& write) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", path));
  Fd fd(CreateNew(path));
  if (fd.get() < 0) return Errno("cannot create", path);
  CHECKPOINT_RETURN_IF_ERROR(write(fd.get()));
  if (::close(fd.release()) != 0) return Errno("cannot close", path);
  return Status::OK();
}

}  // namespace

Status WriteFileStartSync(const std::string& path, std::string_view data) {
  return WriteNewFile(path, [&](int fd) {
    CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd, path, data));
    ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: errors surface at fsync
    return Status::OK();
  });
}

Status WriteFileUncachedSynced(const std::string& path, AlignedBuffer* data) {
  return WriteNewFile(path, [&](int fd) {
    CHECKPOINT_RETURN_IF_ERROR(WriteDirect(fd, path, data));
    CHECKPOINT_RETURN_IF_ERROR(Injected("fsync", path));
    if (::fsync(fd) != 0) return Errno("cannot fsync", path);
    return Status::OK();
  });
}

Status RequireRegularOrAbsent(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Errno("cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  return Status::OK();
}

Status ReplaceFileAtomically(const std::string& path, std::string_view data,
                             const std::string& tmp_name) {
  std::string dir, name;
  Split(path, &dir, &name);
  const std::string tmp = tmp_name.empty() ? name + ".tmp." + std::to_string(::getpid()) : tmp_name;
  const std::string tmp_path = dir + "/" + tmp;
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", tmp_path));
  // Checked and renamed within one directory fd: what was checked is what is replaced.
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return Errno("cannot open directory", dir);
  struct stat st;
  if (::fstatat(dfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + " is not a regular file; not replacing it");
  }
  // A stale temporary (or a planted link) goes: the new one is made exclusively.
  if (::unlinkat(dfd.get(), tmp.c_str(), 0) != 0 && errno != ENOENT)
    return Errno("cannot remove", tmp_path);
  struct RemoveTmp {
    int dir;
    const std::string& name;
    bool armed = true;
    ~RemoveTmp() {
      if (armed) ::unlinkat(dir, name.c_str(), 0);
    }
  } remove_tmp{dfd.get(), tmp};
  {
    Fd fd(::openat(dfd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0644));
    if (fd.get() < 0) {
      remove_tmp.armed = errno != EEXIST;  // never remove what we did not make
      return Errno("cannot create", tmp_path);
    }
    CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd.get(), tmp_path, data));
    if (::fsync(fd.get()) != 0) return Errno("cannot fsync", tmp_path);
    if (::close(fd.release()) != 0) return Errno("cannot close", tmp_path);
  }
  CHECKPOINT_RETURN_IF_ERROR(Injected("rename", tmp_path));
  if (::renameat(dfd.get(), tmp.c_str(), dfd.get(), name.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp_path + " to " + path + ": " +
                           std::strerror(errno));
  }
  remove_tmp.armed = false;
  CHECKPOINT_RETURN_IF_ERROR(Injected("fsync", dir));
  if (::fsync(dfd.get()) != 0) return Errno("cannot fsync directory", dir);
  return Status::OK();
}

Status FsyncFile(const std::string& path) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("fsync", path));
  int raw = -1;
  CHECKPOINT_RETURN_IF_ERROR(OpenRegularFile(path, O_RDONLY, &raw));
  Fd fd(raw);
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", path);
  return Status::OK();
}

Status FsyncDir(const std::string& dir) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("fsync", dir));
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync directory", dir);
  return Status::OK();
}

Status ReadFileBounded(const std::string& path, uint64_t max_bytes, std::string* out) {
  int raw = -1;
  CHECKPOINT_RETURN_IF_ERROR(OpenRegularFile(path, O_RDONLY, &raw));
  Fd fd(raw);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("cannot stat", path);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::Corruption(path + " is larger than the " + std::to_string(max_bytes) +
                              " bytes allowed");
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = ::read(fd.get(), out->data() + done, out->size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return Status::OK();
}

Status MakeDir(const std::string& dir) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("mkdir", dir));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create directory " + dir + ": " + ec.message());
  return Status::OK();
}

Status MakeNewDir(const std::string& dir) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("mkdir", dir));
  if (::mkdir(dir.c_str(), 0755) != 0) return Errno("cannot create directory", dir);
  return Status::OK();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

Status ReadManifestFile(const std::string& dir, std::string* out) {
  return ReadFileBounded(dir + "/" + kManifestFile, kMaxManifestBytes, out);
}

}  // namespace checkpoint
