// Exit codes of every checkpoint command (DESIGN §9). Scripts depend on them.
#pragma once

namespace checkpoint::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitVerifyFailed = 3;
constexpr int kExitBusy = 75;  // sysexits EX_TEMPFAIL: the store lock is held
constexpr int kExitInterrupted = 130;

}  // namespace checkpoint::cli
