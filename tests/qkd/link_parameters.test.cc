#include "qkdlab/qkd/link_parameters.h"

#include <gtest/gtest.h>

#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {

TEST(link_parameters, defaults_are_the_gys_link_and_valid) {
    const LinkParameters gys;
    EXPECT_EQ(gys.loss_db_per_km, 0.21);
    EXPECT_EQ(gys.detector_efficiency, 0.045);
    EXPECT_EQ(gys.dark_count_probability, 1.7e-6);
    EXPECT_EQ(gys.misalignment, 0.033);
    EXPECT_NO_THROW(check(gys));
}

TEST(link_parameters, out_of_range_fields_are_named) {
    const auto expect_named = [](LinkParameters link, const char* field) {
        try {
            check(link);
            ADD_FAILURE() << field << " accepted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
        }
    };
    LinkParameters l;
    l.length_km = -1;
    expect_named(l, "length_km");
    l = {};
    l.misalignment = 0.6;
    expect_named(l, "misalignment");
    l = {};
    l.detector_efficiency = 0;
    expect_named(l, "detector_efficiency");
    l = {};
    l.error_correction_efficiency = 0.9;
    expect_named(l, "error_correction_efficiency");
}

}  // namespace qkdlab::qkd
