#include "qkdlab/qkd/link.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

using Json = nlohmann::json;

// Every field of two links, compared exactly.
void expect_same(const Link& a, const Link& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.protocol, b.protocol);
    EXPECT_EQ(a.source.kind, b.source.kind);
    ASSERT_EQ(a.source.intensities.size(), b.source.intensities.size());
    for (std::size_t k = 0; k < a.source.intensities.size(); ++k) {
        EXPECT_EQ(a.source.intensities[k].name, b.source.intensities[k].name);
        EXPECT_EQ(a.source.intensities[k].mean_photon_number, b.source.intensities[k].mean_photon_number);
        EXPECT_EQ(a.source.intensities[k].probability, b.source.intensities[k].probability);
    }
    EXPECT_EQ(a.source.mean_pair_number, b.source.mean_pair_number);
    EXPECT_EQ(a.source.position_km, b.source.position_km);
    EXPECT_EQ(a.channel.kind, b.channel.kind);
    EXPECT_EQ(a.channel.length_km, b.channel.length_km);
    EXPECT_EQ(a.channel.loss_db_per_km, b.channel.loss_db_per_km);
    EXPECT_EQ(a.channel.extra_loss_db, b.channel.extra_loss_db);
    EXPECT_EQ(a.channel.misalignment, b.channel.misalignment);
    EXPECT_EQ(a.detectors.efficiency, b.detectors.efficiency);
    EXPECT_EQ(a.detectors.dark_count_probability, b.detectors.dark_count_probability);
    EXPECT_EQ(a.detectors.afterpulse_probability, b.detectors.afterpulse_probability);
    EXPECT_EQ(a.detectors.dead_time_ns, b.detectors.dead_time_ns);
    EXPECT_EQ(a.detectors.basis_choice, b.detectors.basis_choice);
    EXPECT_EQ(a.eve.kind, b.eve.kind);
    EXPECT_EQ(a.eve.fraction, b.eve.fraction);
    EXPECT_EQ(a.clock_hz, b.clock_hz);
    EXPECT_EQ(a.z_basis_probability, b.z_basis_probability);
    EXPECT_EQ(a.error_correction_efficiency, b.error_correction_efficiency);
}

// A complete document with no preset, to be edited by the tests.
Json full_document() {
    return Json::parse(R"({
        "schema": "qkdlab.link/1",
        "protocol": "decoy-bb84",
        "source": {"kind": "weak-coherent", "intensities": [
            {"name": "signal", "mean_photon_number": 0.5, "probability": 0.8},
            {"name": "decoy", "mean_photon_number": 0.1, "probability": 0.1},
            {"name": "vacuum", "mean_photon_number": 0, "probability": 0.1}]},
        "channel": {"length_km": 10}
    })");
}

Json intensities(const std::vector<double>& mus) {
    Json list = Json::array();
    for (std::size_t k = 0; k < mus.size(); ++k) {
        std::string name = "intensity ";  // (not "i" + std::to_string(k): GCC 12 warns of a false -Wrestrict)
        name += std::to_string(k);
        list.push_back(
            {{"name", name}, {"mean_photon_number", mus[k]}, {"probability", 1.0 / static_cast<double>(mus.size())}});
    }
    return list;
}

}  // namespace

TEST(link, presets_round_trip_exactly_and_pass_check) {
    const std::vector<std::string> names = link_preset_names();
    EXPECT_EQ(names, (std::vector<std::string>{"metro-25km", "long-haul-100km", "gys-2004", "entangled-50km"}));
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        const Link preset = link_preset(name);
        EXPECT_EQ(preset.name, name);
        EXPECT_NO_THROW(check(preset));
        const Json json = to_json(preset);
        EXPECT_EQ(json.at("schema"), "qkdlab.link/1");
        const Link back = parse_link(json.dump(2), name + ".json");
        expect_same(back, preset);
        EXPECT_EQ(to_json(back), json);
        // The preset by name alone is the same link.
        expect_same(parse_link(R"({"preset": ")" + name + R"("})"), preset);
    }
    try {
        (void)link_preset("metro");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("metro-25km, long-haul-100km, gys-2004, entangled-50km"),
                  std::string::npos)
            << e.what();
    }
}

TEST(link, presets_hold_their_documented_values) {
    const Link metro = link_preset("metro-25km");
    EXPECT_EQ(metro.protocol, Protocol::decoy_bb84);
    EXPECT_EQ(metro.clock_hz, 1e9);
    EXPECT_EQ(channel_loss_db(metro.channel), 25 * 0.2 + 1);
    ASSERT_EQ(metro.source.intensities.size(), 3u);
    EXPECT_EQ(metro.source.intensities[0].mean_photon_number, 0.5);
    EXPECT_EQ(metro.source.intensities[1].probability, 0.15);
    EXPECT_EQ(metro.source.intensities[2].mean_photon_number, 0);
    EXPECT_EQ(metro.detectors.dead_time_ns, 10);
    EXPECT_EQ(metro.detectors.afterpulse_probability, 0.005);

    const Link haul = link_preset("long-haul-100km");
    EXPECT_NEAR(channel_loss_db(haul.channel), 18, 1e-12);
    EXPECT_EQ(haul.detectors.efficiency, 0.6);
    EXPECT_EQ(haul.detectors.dark_count_probability, 1e-8);

    const Link pairs = link_preset("entangled-50km");
    EXPECT_EQ(pairs.protocol, Protocol::bbm92);
    EXPECT_EQ(pairs.source.kind, SourceKind::entangled_pairs);
    EXPECT_TRUE(pairs.source.intensities.empty());
    EXPECT_EQ(pairs.source.mean_pair_number, 0.04);
    EXPECT_EQ(pairs.source.position_km, 25);
    EXPECT_EQ(pairs.clock_hz, 1e8);
    EXPECT_EQ(channel_loss_db(pairs.channel), 10);
}

TEST(link, gys_analytic_parameters_are_the_gys_link_parameters) {
    const LinkParameters gys;  // the defaults: MQZL table I, GYS
    const Link link = link_preset("gys-2004");
    const LinkParameters p = analytic_parameters(link);
    EXPECT_EQ(p.length_km, 122);  // LinkParameters leave the length to the caller (0)
    EXPECT_EQ(p.loss_db_per_km, gys.loss_db_per_km);
    EXPECT_EQ(p.extra_loss_db, gys.extra_loss_db);
    EXPECT_EQ(p.detector_efficiency, gys.detector_efficiency);
    // Y0 = 1 - (1 - 8.5e-7)^2 = 1.7e-6 - 7.2e-13: equal to within the rounding of Y0 (7.2e-13).
    EXPECT_NEAR(p.dark_count_probability, gys.dark_count_probability, 1e-12);
    EXPECT_NEAR(p.dark_count_probability, 1.7e-6 - 8.5e-7 * 8.5e-7, 1e-20);
    EXPECT_EQ(p.misalignment, gys.misalignment);
    EXPECT_EQ(p.error_correction_efficiency, gys.error_correction_efficiency);
    EXPECT_EQ(p.sifting_factor, gys.sifting_factor);
    EXPECT_NO_THROW(check(p));
}

TEST(link, receiver_dark_counts_and_loss_follow_the_detector_count) {
    Detectors d;
    d.dark_count_probability = 0.1;
    d.basis_choice = BasisChoice::active;
    EXPECT_NEAR(receiver_dark_count_probability(d), 1 - 0.9 * 0.9, 1e-15);
    d.basis_choice = BasisChoice::passive;
    EXPECT_NEAR(receiver_dark_count_probability(d), 1 - std::pow(0.9, 4), 1e-15);
    d.dark_count_probability = 1e-12;  // no cancellation: 4e-12 to 12 digits
    EXPECT_NEAR(receiver_dark_count_probability(d), 4e-12 - 6e-24, 1e-26);
    d.dark_count_probability = 0;
    EXPECT_EQ(receiver_dark_count_probability(d), 0);
    d.dark_count_probability = 1;
    EXPECT_EQ(receiver_dark_count_probability(d), 1);

    Link link = link_preset("metro-25km");
    link.z_basis_probability = 0.9;
    EXPECT_NEAR(analytic_parameters(link).sifting_factor, 0.81 + 0.01, 1e-15);
}

TEST(link, free_space_puts_the_whole_loss_in_extra_loss) {
    const Link link = read_link_file(std::filesystem::path(QKDLAB_TESTDATA_DIR) / "links/free-space-144km.json");
    EXPECT_EQ(link.name, "free-space-144km");
    EXPECT_EQ(link.channel.kind, ChannelKind::free_space);
    EXPECT_EQ(link.channel.length_km, 144);
    EXPECT_EQ(channel_loss_db(link.channel), 30);
    EXPECT_EQ(link.detectors.basis_choice, BasisChoice::passive);
    EXPECT_EQ(link.detectors.afterpulse_probability, 0);  // a default
    EXPECT_EQ(link.eve.kind, AttackKind::intercept_resend);
    EXPECT_EQ(link.eve.fraction, 0.1);
    const LinkParameters p = analytic_parameters(link);
    EXPECT_EQ(p.length_km, 144);
    EXPECT_EQ(p.loss_db_per_km, 0);
    EXPECT_EQ(p.extra_loss_db, 30);
    // 1 - (1 - p)^4 = 4p - 6p^2 + 4p^3 - p^4, without the cancellation of the left side.
    EXPECT_NEAR(p.dark_count_probability, 4e-7 - 6e-14 + 4e-21, 1e-22);
    const Json json = to_json(link);
    EXPECT_EQ(json.at("channel"), Json::parse(R"({"kind": "free-space", "length_km": 144.0, "loss_db": 30.0,
                                                  "misalignment": 0.02})"));
    expect_same(parse_link(json.dump()), link);
}

TEST(link, a_full_document_takes_the_documented_defaults) {
    const Link link = parse_link(full_document().dump());
    const Link defaults;
    EXPECT_EQ(link.name, "custom");
    EXPECT_EQ(link.clock_hz, 1e9);
    EXPECT_EQ(link.channel.kind, ChannelKind::fibre);
    EXPECT_EQ(link.channel.length_km, 10);
    EXPECT_EQ(link.channel.loss_db_per_km, 0.2);
    EXPECT_EQ(link.channel.extra_loss_db, 0);
    EXPECT_EQ(link.channel.misalignment, 0);
    EXPECT_EQ(link.detectors.efficiency, 0.1);
    EXPECT_EQ(link.detectors.dark_count_probability, 1e-6);
    EXPECT_EQ(link.detectors.afterpulse_probability, 0);
    EXPECT_EQ(link.detectors.dead_time_ns, 0);
    EXPECT_EQ(link.detectors.basis_choice, BasisChoice::active);
    EXPECT_EQ(link.z_basis_probability, 0.5);
    EXPECT_EQ(link.error_correction_efficiency, 1.16);
    EXPECT_EQ(link.eve.kind, AttackKind::none);
    // The defaults are those of the structs.
    EXPECT_EQ(link.detectors.efficiency, defaults.detectors.efficiency);
    EXPECT_EQ(link.error_correction_efficiency, defaults.error_correction_efficiency);
}

TEST(link, a_preset_takes_overrides_field_by_field) {
    const Link metro = link_preset("metro-25km");
    const Link link = parse_link(R"({"preset": "metro-25km", "name": "metro-40km", "channel": {"length_km": 40},
                                     "detectors": {"efficiency": 0.25}, "basis": {"z_probability": 0.8},
                                     "eve": {"kind": "intercept-resend", "fraction": 0.25}})");
    EXPECT_EQ(link.name, "metro-40km");
    EXPECT_EQ(link.channel.length_km, 40);
    EXPECT_EQ(link.channel.loss_db_per_km, metro.channel.loss_db_per_km);  // kept from the preset
    EXPECT_EQ(link.channel.extra_loss_db, 1);
    EXPECT_EQ(link.channel.misalignment, 0.01);
    EXPECT_EQ(link.detectors.efficiency, 0.25);
    EXPECT_EQ(link.detectors.dead_time_ns, 10);
    EXPECT_EQ(link.z_basis_probability, 0.8);
    EXPECT_EQ(link.eve.kind, AttackKind::intercept_resend);
    EXPECT_EQ(link.eve.fraction, 0.25);
    ASSERT_EQ(link.source.intensities.size(), 3u);

    // A list replaces the preset's list whole.
    const Link bb84 = parse_link(R"({"preset": "metro-25km", "protocol": "bb84", "source": {"intensities": [
                                        {"name": "signal", "mean_photon_number": 0.3, "probability": 1}]}})");
    EXPECT_EQ(bb84.protocol, Protocol::bb84);
    ASSERT_EQ(bb84.source.intensities.size(), 1u);
    EXPECT_EQ(bb84.source.intensities[0].mean_photon_number, 0.3);

    // A new "kind" replaces the object whole: the rest starts from the defaults, not the preset.
    const Link free_space = parse_link(R"({"preset": "metro-25km", "schema": "qkdlab.link/1",
                                           "channel": {"kind": "free-space", "length_km": 144, "loss_db": 30}})");
    EXPECT_EQ(free_space.channel.kind, ChannelKind::free_space);
    EXPECT_EQ(free_space.channel.misalignment, 0);
    EXPECT_EQ(channel_loss_db(free_space.channel), 30);
    const Link single =
        parse_link(R"({"preset": "gys-2004", "protocol": "bb84", "source": {"kind": "single-photon"}})");
    EXPECT_EQ(single.source.kind, SourceKind::single_photon);
    EXPECT_TRUE(single.source.intensities.empty());
    EXPECT_EQ(single.channel.length_km, 122);

    const Link e91 = parse_link(R"({"preset": "entangled-50km", "protocol": "e91", "source": {"position_km": 0}})");
    EXPECT_EQ(e91.protocol, Protocol::e91);
    EXPECT_EQ(e91.source.position_km, 0);
    EXPECT_EQ(e91.source.mean_pair_number, 0.04);
}

TEST(link, the_accepted_decoy_combinations) {
    const std::vector<std::vector<double>> accepted = {
        {0.5, 0.1, 0}, {0.5, 0, 0.1}, {0.5, 0.2, 0.05}, {0.5, 0.05, 0.2}, {0.5, 0.2, 0.05, 0}, {0.5, 0, 0.2, 0.05},
    };
    for (const auto& mus : accepted) {
        Json doc = full_document();
        doc["source"]["intensities"] = intensities(mus);
        EXPECT_NO_THROW((void)parse_link(doc.dump())) << doc["source"].dump();
    }
    const std::vector<std::vector<double>> refused = {
        {0.5}, {0.5, 0}, {0.5, 0.1}, {0.5, 0, 0}, {0.5, 0.1, 0, 0}, {0.5, 0.3, 0.2, 0.1},
    };
    for (const auto& mus : refused) {
        Json doc = full_document();
        doc["source"]["intensities"] = intensities(mus);
        try {
            (void)parse_link(doc.dump());
            ADD_FAILURE() << "accepted " << doc["source"].dump();
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.json_path(), "/source/intensities") << e.what();
            EXPECT_NE(e.message().find("decoy-bb84 needs"), std::string::npos) << e.what();
        }
    }
}

TEST(link, faults_name_their_json_path) {
    const std::string metro = R"("preset": "metro-25km", )";
    const std::string pairs = R"("preset": "entangled-50km", )";
    const auto without = [&](const char* key) {
        Json doc = full_document();
        doc.erase(key);
        return doc.dump();
    };
    const auto with = [&](const char* pointer, const Json& value) {
        Json doc = full_document();
        doc[Json::json_pointer(pointer)] = value;
        return doc.dump();
    };
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cases = {
        // not an object, wrong types
        {"[1, 2]", {"", "expected an object, got array"}},
        {"{" + metro + R"("clock_hz": "fast"})", {"/clock_hz", "expected a number, got string"}},
        {"{" + metro + R"("channel": {"length_km": "far"}})", {"/channel/length_km", "expected a number"}},
        {"{" + metro + R"("channel": [1]})", {"/channel", "expected an object, got array"}},
        {"{" + metro + R"("name": 7})", {"/name", "expected a string, got number"}},
        {"{" + metro + R"("protocol": 1})", {"/protocol", "expected a string"}},
        {"{" + metro + R"("source": {"intensities": {"signal": 0.5}}})", {"/source/intensities", "expected a list"}},
        {"{" + metro + R"("source": {"intensities": [0.5]}})", {"/source/intensities/0", "expected an object"}},
        {R"({"preset": 3})", {"/preset", "expected a string"}},
        // unknown fields and names
        {"{" + metro + R"("detector": {}})", {"/detector", "unknown field"}},
        {"{" + metro + R"("channel": {"lenght_km": 40}})", {"/channel/lenght_km", "unknown field"}},
        {"{" + metro + R"("channel": {"kind": "free-space", "length_km": 9, "loss_db": 3, "loss_db_per_km": 1}})",
         {"/channel/loss_db_per_km", "for a fibre channel only"}},
        {"{" + metro + R"("source": {"mean_pair_number": 0.1}})",
         {"/source/mean_pair_number", "for an entangled-pairs source only"}},
        {"{" + metro + R"("source": {"intensities": [{"name": "s", "mu": 0.5, "probability": 1}]}})",
         {"/source/intensities/0/mu", "unknown field"}},
        {"{" + metro + R"("eve": {"fraction": 0.5}})", {"/eve/fraction", "for an intercept-resend attack only"}},
        {"{" + metro + R"("eve": {"kind": "pns", "fraction": 0.5}})",
         {"/eve/fraction", "intercept-resend attack only"}},
        {"{" + metro + R"("eve": {"kind": "pns", "fraktion": 0.5}})", {"/eve/fraktion", "unknown field"}},
        {"{" + metro + R"("channel": {"loss_db": 3}})", {"/channel/loss_db", "for a free-space channel only"}},
        {"{" + pairs + R"("source": {"intensities": []}})", {"/source/intensities", "for a weak-coherent source only"}},
        {"{" + metro + R"("source": {"kind": "single-photon", "position_km": 1}})",
         {"/source/position_km", "for an entangled-pairs source only"}},
        {R"({"preset": "metro"})", {"/preset", "unknown link preset 'metro'; expected one of: metro-25km"}},
        {"{" + metro + R"("protocol": "bb85"})", {"/protocol", "unknown protocol 'bb85'; expected one of: bb84, "}},
        {"{" + metro + R"("source": {"kind": "laser"}})", {"/source/kind", "unknown source kind"}},
        {"{" + metro + R"("channel": {"kind": "copper", "length_km": 1}})", {"/channel/kind", "unknown channel kind"}},
        {"{" + metro + R"("detectors": {"basis_choice": "both"}})", {"/detectors/basis_choice", "active, passive"}},
        {"{" + metro + R"("eve": {"kind": "mitm"}})", {"/eve/kind", "none, intercept-resend, pns, beam-splitting"}},
        // missing fields and the schema
        {without("schema"), {"/schema", "missing"}},
        {with("/schema", "qkdlab.link/2"), {"/schema", "expected \"qkdlab.link/1\""}},
        {"{" + metro + R"("schema": "qkdlab.noise/1"})", {"/schema", "expected \"qkdlab.link/1\""}},
        {without("protocol"), {"/protocol", "missing"}},
        {without("source"), {"/source", "missing"}},
        {without("channel"), {"/channel", "missing"}},
        {with("/source", Json::parse(R"({"intensities": []})")), {"/source/kind", "missing"}},
        {with("/source", Json::parse(R"({"kind": "weak-coherent"})")), {"/source/intensities", "missing"}},
        {with("/source/intensities/1", Json::parse(R"({"name": "d", "mean_photon_number": 0.1})")),
         {"/source/intensities/1/probability", "missing"}},
        {with("/channel", Json::object()), {"/channel/length_km", "missing"}},
        {with("/channel", Json::parse(R"({"kind": "free-space", "length_km": 1})")), {"/channel/loss_db", "missing"}},
        {"{" + metro + R"("source": {"kind": "entangled-pairs", "mean_pair_number": 0.1}})",
         {"/source/position_km", "missing"}},
        {with("/eve", Json::object()), {"/eve/kind", "missing"}},
        // out of range
        {"{" + metro + R"("clock_hz": 0})", {"/clock_hz", "between 0 and 1e+11 (0 excluded), got 0"}},
        {"{" + metro + R"("clock_hz": 2e11})", {"/clock_hz", "got 200000000000"}},
        {"{" + metro + R"("channel": {"length_km": 2e5}})", {"/channel/length_km", "between 0 and 100000"}},
        {"{" + metro + R"("channel": {"loss_db_per_km": -0.1}})", {"/channel/loss_db_per_km", "between 0 and 100"}},
        {"{" + metro + R"("channel": {"extra_loss_db": 1001}})", {"/channel/extra_loss_db", "between 0 and 1000"}},
        {"{" + metro + R"("channel": {"kind": "free-space", "length_km": 9, "loss_db": -3}})",
         {"/channel/loss_db", "between 0 and 1000"}},
        {"{" + metro + R"("channel": {"misalignment": 0.6}})", {"/channel/misalignment", "between 0 and 0.5"}},
        {"{" + metro + R"("detectors": {"efficiency": 0}})", {"/detectors/efficiency", "(0 excluded)"}},
        {"{" + metro + R"("detectors": {"efficiency": 1.01}})", {"/detectors/efficiency", "between 0 and 1"}},
        {"{" + metro + R"("detectors": {"dark_count_probability": 1.5}})",
         {"/detectors/dark_count_probability", "between 0 and 1"}},
        {"{" + metro + R"("detectors": {"afterpulse_probability": -0.1}})",
         {"/detectors/afterpulse_probability", "between 0 and 1"}},
        {"{" + metro + R"("detectors": {"dead_time_ns": 2e9}})", {"/detectors/dead_time_ns", "between 0 and 1e+09"}},
        {"{" + metro + R"("basis": {"z_probability": 1}})", {"/basis/z_probability", "(both excluded)"}},
        {"{" + metro + R"("basis": {"z_probability": 0}})", {"/basis/z_probability", "(both excluded)"}},
        {"{" + metro + R"("post_processing": {"error_correction_efficiency": 0.9}})",
         {"/post_processing/error_correction_efficiency", "between 1 and 10"}},
        {"{" + metro + R"("eve": {"kind": "intercept-resend", "fraction": 1.5}})",
         {"/eve/fraction", "between 0 and 1"}},
        {"{" + metro + R"("name": ""})", {"/name", "must not be empty"}},
        // intensities
        {with("/source/intensities/0/mean_photon_number", 11),
         {"/source/intensities/0/mean_photon_number", "between 0 and 10"}},
        {with("/source/intensities/2/probability", 0), {"/source/intensities/2/probability", "(0 excluded)"}},
        {with("/source/intensities/1/probability", 0.05),
         {"/source/intensities", "the probabilities must add up to 1, got 0.95"}},
        {with("/source/intensities/1/probability", 0.100000002), {"/source/intensities", "got 1.000000002"}},
        {with("/source/intensities/2/name", "decoy"), {"/source/intensities/2/name", "'decoy' is used twice"}},
        {with("/source/intensities/1/name", ""), {"/source/intensities/1/name", "must not be empty"}},
        {with("/source/intensities/1/mean_photon_number", 0.6),
         {"/source/intensities/1/mean_photon_number", "must be below the signal's 0.5"}},
        {with("/source/intensities/1/mean_photon_number", 0.5),
         {"/source/intensities/1/mean_photon_number", "must be below the signal's 0.5"}},
        {with("/source/intensities", intensities({0.5, 0.2, 0.2})),
         {"/source/intensities/2/mean_photon_number", "the two weak decoys must differ"}},
        {with("/source/intensities", intensities({0.5, 0.3, 0.2, 0.1, 0})), {"/source/intensities", "1 to 4"}},
        {with("/source/intensities", Json::array()), {"/source/intensities", "1 to 4 intensities, got 0"}},
        {"{" + metro + R"("protocol": "bb84", "source": {"intensities": [
            {"name": "signal", "mean_photon_number": 0, "probability": 1}]}})",
         {"/source/intensities/0/mean_photon_number", "above 0"}},
        // the protocol against the source, and Eve
        {"{" + metro + R"("protocol": "e91"})",
         {"/protocol", "e91 needs an entangled-pairs source, got weak-coherent"}},
        {"{" + metro + R"("protocol": "bbm92"})", {"/protocol", "bbm92 needs an entangled-pairs source"}},
        {"{" + metro + R"("source": {"kind": "single-photon"}})",
         {"/protocol", "decoy-bb84 needs a weak-coherent source, got single-photon"}},
        {"{" + pairs + R"("protocol": "decoy-bb84"})", {"/protocol", "needs a weak-coherent source"}},
        {"{" + pairs + R"("protocol": "bb84"})", {"/protocol", "bb84 needs a weak-coherent or single-photon"}},
        {"{" + pairs + R"("eve": {"kind": "pns"}})", {"/eve/kind", "must be none, got pns"}},
        {"{" + pairs + R"("source": {"mean_pair_number": 0}})", {"/source/mean_pair_number", "(0 excluded)"}},
        {"{" + pairs + R"("source": {"mean_pair_number": 11}})", {"/source/mean_pair_number", "between 0 and 10"}},
        {"{" + pairs + R"("source": {"position_km": 50.5}})",
         {"/source/position_km", "between 0 and the channel's length_km 50, got 50.5"}},
        {"{" + pairs + R"("source": {"position_km": -1}})", {"/source/position_km", "got -1"}},
        {"{" + pairs + R"("channel": {"length_km": 20}})", {"/source/position_km", "length_km 20, got 25"}},
    };
    for (const auto& [json, expected] : cases) {
        const auto& [path, fragment] = expected;
        try {
            (void)parse_link(json);
            ADD_FAILURE() << "accepted: " << json;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.json_path(), path) << json << "\n" << e.what();
            EXPECT_NE(e.message().find(fragment), std::string::npos) << json << "\n" << e.what();
        }
    }
}

TEST(link, check_reports_the_paths_parse_would) {
    const auto path_of = [](const Link& link) -> std::string {
        try {
            check(link);
        } catch (const ConfigError& e) {
            return e.json_path();
        }
        return "accepted";
    };
    Link link = link_preset("metro-25km");
    link.channel.misalignment = 0.7;
    EXPECT_EQ(path_of(link), "/channel/misalignment");
    link = link_preset("metro-25km");
    link.source.intensities.push_back({"extra", 0.2, 0});
    EXPECT_EQ(path_of(link), "/source/intensities/3/probability");
    link = link_preset("metro-25km");
    link.source.mean_pair_number = 0.1;  // only for entangled pairs
    EXPECT_EQ(path_of(link), "/source/mean_pair_number");
    link = link_preset("entangled-50km");
    link.source.intensities = {{"signal", 0.5, 1}};
    EXPECT_EQ(path_of(link), "/source/intensities");
    link = link_preset("metro-25km");
    link.channel.kind = ChannelKind::free_space;
    link.channel.extra_loss_db = 2000;
    EXPECT_EQ(path_of(link), "/channel/loss_db");
    link = link_preset("metro-25km");
    link.eve.fraction = -0.5;
    EXPECT_EQ(path_of(link), "/eve/fraction");
    link = link_preset("metro-25km");
    link.clock_hz = std::nan("");
    EXPECT_EQ(path_of(link), "/clock_hz");
    link = link_preset("metro-25km");
    link.name.clear();
    EXPECT_EQ(path_of(link), "/name");
    link = link_preset("gys-2004");
    link.protocol = Protocol::bb84;  // bb84 over the decoy source: its analysis uses the signal
    EXPECT_EQ(path_of(link), "accepted");
    link.source.intensities = {{"signal", 0.48, 1}};
    EXPECT_EQ(path_of(link), "accepted");
    link.source = {SourceKind::single_photon, {}, 0, 0};
    EXPECT_EQ(path_of(link), "accepted");
    link.protocol = Protocol::e91;
    EXPECT_EQ(path_of(link), "/protocol");
}

TEST(link, malformed_json_names_line_and_column) {
    try {
        (void)parse_link("{\n  \"preset\": \"metro-25km\",\n  \"clock_hz\": 1e9,,\n}", "link.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.file(), "link.json");
        EXPECT_EQ(e.line(), 3u) << e.what();
        EXPECT_EQ(e.column(), 19u) << e.what();  // the second comma
        EXPECT_NE(e.message().find("malformed JSON"), std::string::npos) << e.what();
    }
}

TEST(link, files_name_themselves_in_errors) {
    const auto missing = std::filesystem::temp_directory_path() / "qkdlab_link_test_missing.json";
    std::filesystem::remove(missing);
    try {
        (void)read_link_file(missing);
        FAIL();
    } catch (const ConfigError& e) {
        FAIL() << "a missing file is not a config error: " << e.what();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    }

    const auto bad = std::filesystem::temp_directory_path() / "qkdlab_link_test_bad.json";
    {
        std::ofstream out(bad);
        out << R"({"preset": "gys-2004", "channel": {"length_km": -1}})";
    }
    try {
        (void)read_link_file(bad);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.json_path(), "/channel/length_km");
        EXPECT_EQ(std::string(e.what()).rfind(bad.string() + ": /channel/length_km: must be between 0 and 100000", 0),
                  0u)
            << e.what();
    }
    std::filesystem::remove(bad);
    // Without a source, the message starts with the path.
    try {
        (void)parse_link(R"({"preset": "gys-2004", "channel": {"length_km": -1}})");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("/channel/length_km: ", 0), 0u) << e.what();
    }
}

TEST(link, names_round_trip) {
    for (const Protocol p : {Protocol::bb84, Protocol::decoy_bb84, Protocol::bbm92, Protocol::e91}) {
        EXPECT_EQ(parse_protocol(to_string(p)), p);
    }
    for (const AttackKind a : {AttackKind::none, AttackKind::intercept_resend, AttackKind::photon_number_splitting,
                               AttackKind::beam_splitting}) {
        EXPECT_EQ(parse_attack(to_string(a)), a);
    }
    EXPECT_EQ(to_string(Protocol::decoy_bb84), "decoy-bb84");
    EXPECT_EQ(to_string(AttackKind::intercept_resend), "intercept-resend");
    EXPECT_EQ(to_string(AttackKind::photon_number_splitting), "pns");
    EXPECT_EQ(to_string(SourceKind::weak_coherent), "weak-coherent");
    EXPECT_EQ(to_string(SourceKind::single_photon), "single-photon");
    EXPECT_EQ(to_string(SourceKind::entangled_pairs), "entangled-pairs");
    EXPECT_EQ(to_string(ChannelKind::fibre), "fibre");
    EXPECT_EQ(to_string(ChannelKind::free_space), "free-space");
    EXPECT_EQ(to_string(BasisChoice::active), "active");
    EXPECT_EQ(to_string(BasisChoice::passive), "passive");
    try {
        (void)parse_protocol("BB84");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bb84, decoy-bb84, bbm92, e91"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)parse_attack("photon-number-splitting"), Error);
}

}  // namespace qkdlab::qkd
