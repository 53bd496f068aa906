#include "qkdlab/qkd/sifting.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/link_estimate.h"
#include "test_links.h"

namespace qkdlab::qkd {
namespace {

// Where a detection belongs, written out case by case from the protocol definitions (sifting.h):
// 0 discard, 1 key, 2 test.
int reference_use(Protocol protocol, DetectionTag tag) {
    const unsigned a = tag.alice_setting(), b = tag.bob_setting();
    switch (protocol) {
        case Protocol::decoy_bb84:
        case Protocol::bbm92:
            return a != b ? 0 : a == 0 ? 1 : 2;
        case Protocol::bb84:
            return a != b || tag.intensity() != 0 ? 0 : a == 0 ? 1 : 2;
        case Protocol::e91: {
            const double alice_deg = E91_ALICE_DEGREES[a], bob_deg = E91_BOB_DEGREES[b];
            if (alice_deg == bob_deg) return 1;  // (22.5, 22.5), (45, 45)
            if ((alice_deg == 0 || alice_deg == 45) && (bob_deg == 22.5 || bob_deg == 67.5)) return 2;  // CHSH
            return 0;
        }
    }
    return -1;
}

// Sifts both halves and checks them against the reference, bit by bit.
void expect_sifted_as_reference(const RawRecords& records) {
    const SiftingAnnouncement announced = announcement(records);
    const SiftedKey alice = sift(announced, raw_bits(records, Party::alice));
    const SiftedKey bob = sift(announced, raw_bits(records, Party::bob));
    std::size_t key = 0, test = 0, discarded = 0;
    std::vector<std::uint64_t> key_per_intensity(records.pulses_per_intensity.size());
    std::vector<std::uint64_t> test_per_intensity(records.pulses_per_intensity.size());
    for (std::size_t i = 0; i < records.detections(); ++i) {
        const DetectionTag tag = records.tags[i];
        switch (reference_use(records.protocol, tag)) {
            case 1:
                ASSERT_LT(key, alice.key.size());
                EXPECT_EQ(alice.key[key], tag.alice_bit());
                EXPECT_EQ(bob.key[key], tag.bob_bit());
                EXPECT_EQ(alice.key_pulse_index[key], records.pulse_index[i]);
                ++key_per_intensity[tag.intensity()];
                ++key;
                break;
            case 2:
                ASSERT_LT(test, alice.test.size());
                EXPECT_EQ(alice.test[test], tag.alice_bit());
                EXPECT_EQ(bob.test[test], tag.bob_bit());
                EXPECT_EQ(alice.test_pulse_index[test], records.pulse_index[i]);
                EXPECT_EQ(alice.test_settings[test], tag.bits() & 63u);
                ++test_per_intensity[tag.intensity()];
                ++test;
                break;
            default:
                ++discarded;
        }
    }
    EXPECT_EQ(alice.key.size(), key);
    EXPECT_EQ(alice.test.size(), test);
    EXPECT_EQ(alice.counts.discarded, discarded);
    EXPECT_EQ(alice.counts.detections, records.detections());
    EXPECT_EQ(alice.counts.key_per_intensity, key_per_intensity);
    EXPECT_EQ(alice.counts.test_per_intensity, test_per_intensity);
    EXPECT_EQ(alice.counts.pulses_per_intensity, records.pulses_per_intensity);
    // Both halves select the same pulses.
    EXPECT_EQ(alice.key_pulse_index, bob.key_pulse_index);
    EXPECT_EQ(alice.test_settings, bob.test_settings);
    EXPECT_EQ(alice.counts.key_per_intensity, bob.counts.key_per_intensity);
}

// Every combination of intensity, settings and bits once.
RawRecords all_tags(Protocol protocol, unsigned intensities, unsigned settings) {
    RawRecords records;
    records.protocol = protocol;
    records.pulses_per_intensity.assign(intensities, 1000);
    std::uint64_t pulse = 7;
    for (unsigned k = 0; k < intensities; ++k)
        for (unsigned a = 0; a < settings; ++a)
            for (unsigned b = 0; b < settings; ++b)
                for (unsigned bits = 0; bits < 4; ++bits)
                    records.add(pulse += 3, DetectionTag(k, a, b, bits & 1u, bits >> 1 & 1u, bits == 3, false));
    return records;
}

}  // namespace

TEST(sifting, each_protocol_keeps_exactly_the_settings_it_defines) {
    expect_sifted_as_reference(all_tags(Protocol::decoy_bb84, 3, 2));
    expect_sifted_as_reference(all_tags(Protocol::bb84, 3, 2));
    expect_sifted_as_reference(all_tags(Protocol::bbm92, 1, 2));
    expect_sifted_as_reference(all_tags(Protocol::e91, 1, 3));
}

TEST(sifting, e91_keys_from_the_two_matching_angles_and_tests_the_four_chsh_pairs) {
    const RawRecords records = all_tags(Protocol::e91, 1, 3);
    const SiftedKey sifted = sift(announcement(records), raw_bits(records, Party::alice));
    EXPECT_EQ(sifted.key.size(), 2u * 4u);   // 2 setting pairs x 4 bit pairs
    EXPECT_EQ(sifted.test.size(), 4u * 4u);  // 4 CHSH pairs x 4 bit pairs
    EXPECT_EQ(sifted.counts.discarded, 3u * 4u);
}

TEST(sifting, emulated_decoy_run_matches_the_reference_and_the_link_estimate) {
    const Link link = testing::decoy_link(25);
    core::Rng rng(11);
    const RawRecords records = emulate(link, Fidelity::photon, 2'000'000, rng);
    ASSERT_GT(records.detections(), 10'000u);
    expect_sifted_as_reference(records);

    // Independent check: link_estimate counts the signal's matching-basis detections and errors;
    // the signal's key (Z) and test (X) bits together are the same detections.
    const LinkEstimate estimate = estimate_link(link, records);
    const SiftingAnnouncement announced = announcement(records);
    const SiftedKey alice = sift(announced, raw_bits(records, Party::alice));
    const SiftedKey bob = sift(announced, raw_bits(records, Party::bob));
    EXPECT_EQ(alice.counts.key_per_intensity[0] + alice.counts.test_per_intensity[0], estimate.intensities[0].sifted);
    std::uint64_t signal_errors = 0;
    for (std::size_t i = 0; i < alice.test.size(); ++i)
        signal_errors += settings_intensity(alice.test_settings[i]) == 0 && alice.test[i] != bob.test[i];
    // Key bits carry no intensity of their own: count the signal's Z errors from the records' pulse order.
    std::size_t key = 0;
    for (std::size_t i = 0; i < records.detections(); ++i) {
        const DetectionTag tag = records.tags[i];
        if (tag.alice_setting() != 0 || tag.bob_setting() != 0) continue;
        if (tag.intensity() == 0) signal_errors += alice.key[key] != bob.key[key];
        ++key;
    }
    EXPECT_EQ(signal_errors, estimate.intensities[0].errors);
}

TEST(sifting, entangled_run_matches_the_reference) {
    Link link = link_preset("entangled-50km");
    link.detectors.dead_time_ns = 0;
    link.detectors.afterpulse_probability = 0;
    core::Rng rng(12);
    const RawRecords records = emulate(link, Fidelity::photon, 20'000'000, rng);
    ASSERT_GT(records.detections(), 1'000u);
    expect_sifted_as_reference(records);
}

TEST(sifting, halves_see_only_their_own_bits) {
    RawRecords records;
    records.protocol = Protocol::bb84;
    records.pulses_per_intensity = {10};
    records.add(1, DetectionTag(0, 0, 0, true, false, false, false));
    records.add(4, DetectionTag(0, 1, 1, false, true, false, true));
    records.add(9, DetectionTag(0, 0, 1, true, true, false, false));
    const core::BitVector alice = raw_bits(records, Party::alice), bob = raw_bits(records, Party::bob);
    ASSERT_EQ(alice.size(), 3u);
    EXPECT_TRUE(alice[0] && !alice[1] && alice[2]);
    EXPECT_TRUE(!bob[0] && bob[1] && bob[2]);
    // The announcement carries no bits: changing them leaves it unchanged.
    RawRecords flipped = records;
    for (DetectionTag& tag : flipped.tags)
        tag = DetectionTag(tag.intensity(), tag.alice_setting(), tag.bob_setting(), !tag.alice_bit(), !tag.bob_bit(),
                           tag.double_click(), !tag.eve_knows());
    EXPECT_EQ(announcement(flipped).settings, announcement(records).settings);
    const SiftedKey sifted = sift(announcement(records), bob);
    EXPECT_EQ(sifted.key_pulse_index, std::vector<std::uint64_t>{1});
    EXPECT_EQ(sifted.test_pulse_index, std::vector<std::uint64_t>{4});
    EXPECT_EQ(sifted.counts.discarded, 1u);
}

TEST(sifting, rejects_mismatched_sizes_and_out_of_range_settings) {
    RawRecords records = all_tags(Protocol::bb84, 1, 2);
    const SiftingAnnouncement announced = announcement(records);
    EXPECT_THROW((void)sift(announced, core::BitVector(announced.settings.size() + 1)), Error);
    SiftingAnnouncement bad = announced;
    bad.settings[3] = pack_settings(0, 2, 0);  // no setting 2 in BB84
    EXPECT_THROW((void)sift(bad, core::BitVector(bad.settings.size())), Error);
    bad = announced;
    bad.settings[0] = pack_settings(1, 0, 0);  // one intensity only
    EXPECT_THROW((void)sift(bad, core::BitVector(bad.settings.size())), Error);
    bad = announced;
    bad.settings[0] = 64;  // bits 6-7 must be zero
    EXPECT_THROW((void)sift(bad, core::BitVector(bad.settings.size())), Error);
    bad = announced;
    bad.pulses_per_intensity.clear();
    EXPECT_THROW((void)sift(bad, core::BitVector(bad.settings.size())), Error);
}

}  // namespace qkdlab::qkd
