#pragma once
// A block of final key and where it goes: the last stage of post-processing hands each block to a
// KeySink (the key store plugs in there; the CLI writes a JSON file). Alice draws the block's id and
// sends it with the privacy-amplification seed, so both sides file the same key under the same id.

#include <cstdint>
#include <string>

#include "qkdlab/core/bit_vector.h"

namespace qkdlab::qkd {

struct KeyBlock {
    std::string id;  // an RFC 9562 version-4 UUID, lower-case hex with dashes
    core::BitVector key;
    double epsilon_sec = 0;  // the block is epsilon_sec-secret ...
    double epsilon_cor = 0;  // ... and epsilon_cor-correct (Lim et al. 2014's definitions)
    std::string link;        // the link's name
    std::uint64_t block_index = 0;
    std::int64_t created_unix_ms = 0;  // wall-clock time of its production
};

// A fresh random version-4 UUID from std::random_device: ids must differ between runs even with the
// same seed, so they are the one output the seed does not fix.
std::string new_key_id();

class KeySink {
  public:
    virtual ~KeySink() = default;
    virtual void deliver(KeyBlock block) = 0;
};

}  // namespace qkdlab::qkd
