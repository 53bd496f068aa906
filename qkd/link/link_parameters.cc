#include "qkdlab/qkd/link_parameters.h"

#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {

void check(const LinkParameters& link) {
    const auto in = [](const char* name, double value, double low, double high) {
        if (!(value >= low && value <= high)) {
            throw Error(std::string(name) + " must be between " + std::to_string(low) + " and " + std::to_string(high) +
                        ", got " + std::to_string(value));
        }
    };
    in("length_km", link.length_km, 0, 1e5);
    in("loss_db_per_km", link.loss_db_per_km, 0, 100);
    in("extra_loss_db", link.extra_loss_db, 0, 1000);
    in("detector_efficiency", link.detector_efficiency, 1e-12, 1);
    in("dark_count_probability", link.dark_count_probability, 0, 1);
    in("misalignment", link.misalignment, 0, 0.5);
    in("error_correction_efficiency", link.error_correction_efficiency, 1, 10);
    in("sifting_factor", link.sifting_factor, 1e-12, 1);
}

}  // namespace qkdlab::qkd
