// Apple Silicon energy from IOReport's "Energy Model" channels (CPU, GPU, ANE, DRAM where present), read
// without root the way macmon and mactop do. libIOReport is private API, so it is opened at run time and
// every symbol is checked; each channel's unit label (mJ, uJ, nJ) is honoured. Written for macOS and
// compiled only there (the other branch below is what Linux and Windows build): see README "Platforms".
#include "energy_counters.h"

#if defined(__APPLE__)
#include <CoreFoundation/CoreFoundation.h>
#include <dlfcn.h>

#include <mutex>
#endif

namespace milens::energy {

#if defined(__APPLE__)
namespace {

using SubscriptionRef = CFTypeRef;
using CopyChannelsInGroupFn = CFDictionaryRef (*)(CFStringRef, CFStringRef, uint64_t, uint64_t, uint64_t);
using CreateSubscriptionFn = SubscriptionRef (*)(void*, CFMutableDictionaryRef, CFMutableDictionaryRef*, uint64_t, CFTypeRef);
using CreateSamplesFn = CFDictionaryRef (*)(SubscriptionRef, CFMutableDictionaryRef, CFTypeRef);
using SimpleGetIntegerValueFn = int64_t (*)(CFDictionaryRef, int32_t);
using ChannelGetStringFn = CFStringRef (*)(CFDictionaryRef);

struct IoReport {
  bool tried = false;
  bool ok = false;
  std::string reason;
  CreateSamplesFn create_samples = nullptr;
  SimpleGetIntegerValueFn integer_value = nullptr;
  ChannelGetStringFn channel_name = nullptr;
  ChannelGetStringFn channel_group = nullptr;
  ChannelGetStringFn unit_label = nullptr;
  SubscriptionRef subscription = nullptr;
  CFMutableDictionaryRef subscribed = nullptr;
};

std::string to_string(CFStringRef text) {
  if (!text) return "";
  char buffer[256] = {0};
  if (!CFStringGetCString(text, buffer, sizeof(buffer), kCFStringEncodingUTF8)) return "";
  return buffer;
}

double joules_per_unit(const std::string& unit) {
  if (unit == "mJ") return 1e-3;
  if (unit == "uJ" || unit == "µJ") return 1e-6;
  if (unit == "nJ") return 1e-9;
  if (unit == "J") return 1;
  return 0;  // an unknown unit: the channel is left out rather than guessed
}

void initialise(IoReport& io) {
  io.tried = true;
  void* library = dlopen("/usr/lib/libIOReport.dylib", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    io.reason = "libIOReport.dylib could not be opened (macOS 12 or later on Apple Silicon is needed)";
    return;
  }
  auto copy_channels = reinterpret_cast<CopyChannelsInGroupFn>(dlsym(library, "IOReportCopyChannelsInGroup"));
  auto create_subscription = reinterpret_cast<CreateSubscriptionFn>(dlsym(library, "IOReportCreateSubscription"));
  io.create_samples = reinterpret_cast<CreateSamplesFn>(dlsym(library, "IOReportCreateSamples"));
  io.integer_value = reinterpret_cast<SimpleGetIntegerValueFn>(dlsym(library, "IOReportSimpleGetIntegerValue"));
  io.channel_name = reinterpret_cast<ChannelGetStringFn>(dlsym(library, "IOReportChannelGetChannelName"));
  io.channel_group = reinterpret_cast<ChannelGetStringFn>(dlsym(library, "IOReportChannelGetGroup"));
  io.unit_label = reinterpret_cast<ChannelGetStringFn>(dlsym(library, "IOReportChannelGetUnitLabel"));
  if (!copy_channels || !create_subscription || !io.create_samples || !io.integer_value || !io.channel_name || !io.unit_label) {
    io.reason = "libIOReport.dylib lacks the functions milens reads (a changed private API)";
    return;
  }
  CFDictionaryRef channels = copy_channels(CFSTR("Energy Model"), nullptr, 0, 0, 0);
  if (!channels) {
    io.reason = "IOReport has no \"Energy Model\" channel group (not Apple Silicon?)";
    return;
  }
  CFMutableDictionaryRef desired = CFDictionaryCreateMutableCopy(kCFAllocatorDefault, CFDictionaryGetCount(channels), channels);
  CFRelease(channels);
  io.subscription = create_subscription(nullptr, desired, &io.subscribed, 0, nullptr);
  CFRelease(desired);
  if (!io.subscription || !io.subscribed) {
    io.reason = "IOReportCreateSubscription failed for the Energy Model channels";
    return;
  }
  io.ok = true;
}

std::mutex io_mutex;

}  // namespace

bool ioreport_read(std::vector<IoReportChannel>& channels, std::string& reason) {
  std::lock_guard<std::mutex> lock(io_mutex);
  static IoReport io;
  if (!io.tried) initialise(io);
  if (!io.ok) {
    reason = io.reason;
    return false;
  }
  CFDictionaryRef samples = io.create_samples(io.subscription, io.subscribed, nullptr);
  if (!samples) {
    reason = "IOReportCreateSamples returned nothing";
    return false;
  }
  auto array = static_cast<CFArrayRef>(CFDictionaryGetValue(samples, CFSTR("IOReportChannels")));
  channels.clear();
  for (CFIndex i = 0; array && i < CFArrayGetCount(array); ++i) {
    auto item = static_cast<CFDictionaryRef>(CFArrayGetValueAtIndex(array, i));
    const double scale = joules_per_unit(to_string(io.unit_label(item)));
    if (scale == 0) continue;
    IoReportChannel channel;
    channel.group = io.channel_group ? to_string(io.channel_group(item)) : "Energy Model";
    channel.name = to_string(io.channel_name(item));
    channel.joules = static_cast<double>(io.integer_value(item, 0)) * scale;
    channels.push_back(channel);
  }
  CFRelease(samples);
  return true;
}

#else

bool ioreport_read(std::vector<IoReportChannel>& channels, std::string& reason) {
  channels.clear();
  reason = "IOReport exists only on macOS";
  return false;
}

#endif

}  // namespace milens::energy
