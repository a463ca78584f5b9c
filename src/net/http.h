// libcurl, set up once for every transfer this tool makes (DESIGN §11):
// http and https only, at most a few redirects and never to another scheme,
// TLS verified unless asked otherwise, no content decoding, connect and
// stall timeouts, and a body cap enforced while receiving.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/source.h"
#include "checkpoint/status.h"

namespace checkpoint::net {

// Redirects a transfer follows at most.
inline constexpr long kMaxRedirects = 3;

// Whether `s` names a URL this tool fetches over the network (http, https).
bool IsHttpUrl(std::string_view s);
// "file:///x/y" → "/x/y"; nullopt-like "" when `s` is not a file:// URL.
std::string FilePathOfUrl(std::string_view s);
// `base` with exactly one '/' before `name`.
std::string JoinUrl(std::string_view base, std::string_view name);
// The URL without user:password, for messages.
std::string RedactUrl(std::string_view url);

// A body being received, cut at `cap` bytes: one byte more fails the transfer.
struct Body {
  std::string data;
  uint64_t cap = 0;
  bool over_cap = false;
};

// An easy handle for GET `url` into `body`, with every rule above. The
// caller owns the handle (curl_easy_cleanup). REQUIRES: InitCurl() ran.
CURL* NewTransfer(const std::string& url, Body* body, const HttpOptions& options);
// A whole-transfer deadline for a body of at most `cap` bytes that has no
// other mirror to race it (a manifest, an index): connecting, one stall, and
// `cap` at --min-speed. A body dripped just above the stall rate would
// otherwise hold the run for hours.
long DeadlineMs(uint64_t cap, const HttpOptions& options);
// Once per process, before any thread uses curl.
void InitCurl();

// What a finished transfer amounts to: OK with the body; NotFound for 404 or
// 410; Corruption for a body over its cap; IOError for anything else.
// `transient` says whether trying the same mirror again may help.
Status TransferStatus(CURL* easy, CURLcode code, const Body& body, bool* transient);

}  // namespace checkpoint::net
