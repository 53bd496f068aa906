#include "qkdlab/qkd/emulation.h"

#include <string>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/photon_mode.h"
#include "qkdlab/qkd/qubit_mode.h"

namespace qkdlab::qkd {

std::string to_string(Fidelity fidelity) { return fidelity == Fidelity::qubit ? "qubit" : "photon"; }

Fidelity parse_fidelity(std::string_view name) {
    if (name == "qubit") return Fidelity::qubit;
    if (name == "photon") return Fidelity::photon;
    throw Error("unknown fidelity '" + std::string(name) + "': expected one of qubit, photon");
}

RawRecords emulate(const Link& link, Fidelity fidelity, std::uint64_t pulses, core::Rng& rng,
                   const Progress& progress) {
    check(link);
    return fidelity == Fidelity::qubit ? emulate_qubits(link, pulses, rng, progress)
                                       : emulate_photons(link, pulses, rng, progress);
}

}  // namespace qkdlab::qkd
