#include "qkdlab/qkd/optimal_intensity.h"

#include <gtest/gtest.h>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {

// The optimum beats every point of a fine grid, and sits where MQZL put it for the GYS link
// (an optimal signal of about 0.5 photons per pulse with infinite decoys).
TEST(optimal_intensity, maximises_the_infinite_decoy_rate) {
    for (double length : {10.0, 50.0, 100.0}) {
        LinkParameters link;
        link.length_km = length;
        const OptimalIntensity best = optimal_intensity(decoy_infinite_key_rate, link);
        EXPECT_GT(best.key_rate, 0);
        EXPECT_NEAR(best.key_rate, decoy_infinite_key_rate(link, best.mu), 1e-18);
        for (int k = 1; k <= 1000; ++k)
            EXPECT_LE(decoy_infinite_key_rate(link, k / 1000.0), best.key_rate * (1 + 1e-9));
        EXPECT_GT(best.mu, 0.4) << length;
        EXPECT_LT(best.mu, 0.65) << length;
    }
}

TEST(optimal_intensity, no_key_and_bad_ranges) {
    LinkParameters far;
    far.length_km = 300;
    EXPECT_EQ(optimal_intensity(decoy_infinite_key_rate, far).key_rate, 0);
    EXPECT_THROW(optimal_intensity(decoy_infinite_key_rate, far, 0.5, 0.2), Error);
    EXPECT_THROW(optimal_intensity(decoy_infinite_key_rate, far, 0, 1), Error);
}

}  // namespace qkdlab::qkd
