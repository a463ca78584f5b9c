#include "net/http.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "ops/files.h"

namespace checkpoint::net {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  Body* body = static_cast<Body*>(user);
  const size_t len = size * n;
  if (body->data.size() + len > body->cap) {
    body->over_cap = true;
    return 0;  // CURLE_WRITE_ERROR: the transfer ends here
  }
  body->data.append(data, len);
  return len;
}

}  // namespace

bool IsHttpUrl(std::string_view s) { return StartsWith(s, "http://") || StartsWith(s, "https://"); }

std::string FilePathOfUrl(std::string_view s) {
  if (!StartsWith(s, "file://")) return "";
  s.remove_prefix(7);
  // file:///path and file://localhost/path; no other host.
  if (StartsWith(s, "localhost/")) s.remove_prefix(9);
  if (!StartsWith(s, "/")) return "";
  return std::string(s);
}

std::string JoinUrl(std::string_view base, std::string_view name) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + "/" + std::string(name);
}

std::string RedactUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t host = scheme + 3;
  const size_t path = url.find('/', host);
  const size_t at = url.substr(0, path).find('@', host);
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, host)) + "…@" + std::string(url.substr(at + 1));
}

long DeadlineMs(uint64_t cap, const HttpOptions& o) {
  const double rate = static_cast<double>(std::max<uint64_t>(o.min_speed, 1024));
  const double seconds =
      o.connect_timeout_seconds + o.slow_seconds + static_cast<double>(cap) / rate;
  return static_cast<long>(std::min(seconds, 1e6) * 1000);
}

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* NewTransfer(const std::string& url, Body* body, const HttpOptions& o) {
  CURL* e = curl_easy_init();
  if (!e) return nullptr;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect stays on the scheme it started with: never https → http, never file://.
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, StartsWith(url, "https:") ? "https" : "http");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, kMaxRedirects);
  // No CURLOPT_ACCEPT_ENCODING: bodies are taken exactly as sent, never decoded.
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(o.connect_timeout_seconds * 1000));
  // Nothing received for slow_seconds: the transfer is dead.
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(o.slow_seconds)));
  if (o.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(e, CURLOPT_USERAGENT, "checkpoint");
  body->data.clear();
  body->over_cap = false;
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
  return e;
}

Status TransferStatus(CURL* easy, CURLcode code, const Body& body, bool* transient) {
  char* url = nullptr;
  curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
  const std::string where = RedactUrl(url ? url : "?");
  *transient = false;
  if (body.over_cap) {
    return Status::Corruption(where + ": body longer than the " + std::to_string(body.cap) +
                              " bytes it may be");
  }
  if (code != CURLE_OK) {
    // A refused redirect or a malformed URL will not get better; the rest may.
    *transient = code != CURLE_TOO_MANY_REDIRECTS && code != CURLE_UNSUPPORTED_PROTOCOL &&
                 code != CURLE_URL_MALFORMAT;
    return Status::IOError(where + ": " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (status == 200) return Status::OK();
  if (status == 404 || status == 410)
    return Status::NotFound(where + ": HTTP " + std::to_string(status));
  *transient = status >= 500;
  return Status::IOError(where + ": HTTP " + std::to_string(status));
}

}  // namespace checkpoint::net

namespace checkpoint {

Result<std::string> FetchUrl(const std::string& url, uint64_t max_bytes,
                             const HttpOptions& options) {
  const std::string path = net::FilePathOfUrl(url);
  if (!path.empty()) {
    std::string out;
    CHECKPOINT_RETURN_IF_ERROR(ReadFileBounded(path, max_bytes, &out));
    return out;
  }
  net::InitCurl();
  net::Body body;
  body.cap = max_bytes;
  CURL* e = net::NewTransfer(url, &body, options);
  if (!e) return Status::IOError("cannot start a transfer (libcurl)");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, net::DeadlineMs(max_bytes, options));
  const CURLcode code = curl_easy_perform(e);
  bool transient;
  Status s = net::TransferStatus(e, code, body, &transient);
  curl_easy_cleanup(e);
  CHECKPOINT_RETURN_IF_ERROR(s);
  return std::move(body.data);
}

}  // namespace checkpoint
