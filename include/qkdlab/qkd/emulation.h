#pragma once
// Running a link: the two fidelity levels that write the same raw records (raw_records.h).
// photon mode (photon_mode.h) samples exact photon-number statistics, only at the pulses that click;
// qubit mode (qubit_mode.h) follows every signal as a qsim state, for teaching and to validate the
// photon mode. Both take the generator last and give the same distribution of records.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/link.h"
#include "qkdlab/qkd/raw_records.h"

namespace qkdlab::qkd {

enum class Fidelity { qubit, photon };
std::string to_string(Fidelity fidelity);
Fidelity parse_fidelity(std::string_view name);  // "qubit" or "photon"; throws Error otherwise

// Called now and then during a run with the pulses done so far and the total.
using Progress = std::function<void(std::uint64_t pulses_done, std::uint64_t pulses_total)>;

// Runs `pulses` pulses of the link (check(link) first; throws ConfigError if it fails).
RawRecords emulate(const Link& link, Fidelity fidelity, std::uint64_t pulses, core::Rng& rng,
                   const Progress& progress = {});

}  // namespace qkdlab::qkd
