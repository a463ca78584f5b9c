// --tracker and --webseed, shared by publish and create --publish.
#pragma once

#include <boost/program_options.hpp>

#include "checkpoint/publish.h"

namespace checkpoint::cli {

void AddPublishOptions(boost::program_options::options_description* d);
void ParsePublishOptions(const boost::program_options::variables_map& vm, PublishOptions* o);

}  // namespace checkpoint::cli
