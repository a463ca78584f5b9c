// The format vectors of docs/FORMAT.md §5: pinned bytes and ids, so a change
// to the chunk or manifest encoding cannot slip through.
#include <cstdlib>
#include <iostream>

#include "chunk_util.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

struct Vector {
  const char* name;
  test::Model model;
  uint64_t chunk_size;
  const char* id;         // checkpoint id (SHA-256 of the manifest)
  const char* first_hex;  // the first chunk's canonical bytes, when short
};

std::vector<Vector> Vectors() {
  std::string big(2000, 'x');
  return {
      {"empty state",
       {},
       1024,
       "f450431b64cf859b94cd29ab6415f125aaa22e72a2d208e33748680d891e7484",
       "0000000000"},
      {"one key",
       {{"k", "v"}},
       1024,
       "fbae01a57cfd14255bde52047af32618c231182f4c67d44d4fc11ae46a6e87f9",
       "000000000001010000006b0100000076"},
      {"prefix keys, a boundary at a slot leaf",
       {{"a", std::string(400, '1')},
        {"ab", std::string(400, '2')},
        {"abc", std::string(400, '3')},
        {"b", std::string(400, '4')}},
       1024,
       "696f16039c4757745e92cb350579159636abbb18f6bfdb0e866328e58a53fc68",
       ""},
      {"a leaf larger than the chunk size",
       {{"a", big}, {"b", "y"}},
       1024,
       "ba9121c167f596a81cd0647801021608e7273fbd24e3902e09683d6bb905fd1d",
       ""},
      // The subtree {a1, a2} is a unit only with the header bound 10 + 2·ceil(|region|/8):
      // 2·(11 + 457) + 38 + 38 + 12 = 1024. With one byte more it would split, and
      // "0" would take a1 into the first chunk.
      {"unit at the header bound",
       {{"0", std::string(100, 'x')},
        {"a1", std::string(457, 'x')},
        {"a2", std::string(457, 'x')},
        {"b", std::string(1000, 'x')}},
       1024,
       "c3c92518d055c0fd8d8ebd09a8b069e644b1fba1156ad51f1fdaf454429785e5",
       ""},
  };
}

TEST_CASE("format vectors", "[unit][vectors]") {
  const bool print = std::getenv("PRINT_VECTORS") != nullptr;
  test::TempDir dir;
  int n = 0;
  for (const Vector& v : Vectors()) {
    auto store = NewMemStore();
    auto db = test::MemDb(store.get());
    test::CommitModel(db.get(), 1, v.model);
    auto r = test::Create(db.get(), 1, dir.Sub(std::to_string(n++)), v.chunk_size, 1);
    test::Loaded l = test::LoadCheckpoint(r.path);
    test::CheckCheckpoint(l, v.model, db->Heights().back().root);
    if (print) {
      std::cout << "### " << v.name << "\nid " << ToHex(r.id) << "\nmanifest " << l.manifest_bytes;
      for (size_t i = 0; i < l.canonical.size(); ++i) {
        std::cout << "chunk " << i << " lo '" << ToHex(l.manifest.chunks[i].lo) << "' digest "
                  << ToHex(l.manifest.chunks[i].digest) << " raw " << l.canonical[i].size();
        if (l.canonical[i].size() <= 200) std::cout << "\n  " << ToHex(l.canonical[i]);
        std::cout << "\n";
      }
    }
    if (*v.id) CHECK(ToHex(r.id) == v.id);
    if (*v.first_hex) CHECK(ToHex(l.canonical[0]) == v.first_hex);
  }
}

}  // namespace
}  // namespace checkpoint
