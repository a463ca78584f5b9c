#include "ops/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace checkpoint {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
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

Status WriteFileSynced(const std::string& path, std::string_view data) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", path));
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("cannot create", path);
  CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd.get(), path, data));
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", path);
  if (::close(fd.release()) != 0) return Errno("cannot close", path);
  return Status::OK();
}


Status WriteFileStartSync(const std::string& path, std::string_view data) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("write", path));
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("cannot create", path);
  CHECKPOINT_RETURN_IF_ERROR(WriteAll(fd.get(), path, data));
  ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: errors surface at fsync
  if (::close(fd.release()) != 0) return Errno("cannot close", path);
  return Status::OK();
}

Status FsyncFile(const std::string& path) {
  CHECKPOINT_RETURN_IF_ERROR(Injected("fsync", path));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open", path);
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
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("missing " + path);
    return Errno("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::Corruption(path + " is larger than the " + std::to_string(max_bytes) + " bytes allowed");
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

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace checkpoint
