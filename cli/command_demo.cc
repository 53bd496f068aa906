// qkdlab demo: the main job on built-in defaults. Until the QKD link exists, a teleportation
// circuit with classical control: Alice's qubit RY(theta)|0> arrives at Bob's, and the measured
// P(1) is compared with its closed form sin^2(theta/2).

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/files.h"
#include "qkdlab/qsim/run.h"

namespace qkdlab::cli {
namespace {

struct DemoOptions {
    double theta = 1.0;
    std::size_t shots = 4096;
    std::uint64_t seed = 1;
    bool json = false;
    std::string out;
};

qsim::Circuit teleportation(double theta) {
    qsim::Circuit c;
    c.add_qreg("q", 3);
    const std::size_t alice = c.add_creg("m0", 1);
    const std::size_t alice_pair = c.add_creg("m1", 1);
    const std::size_t bob = c.add_creg("bob", 1);
    const qsim::Qubit q0[] = {0};
    const double angle[] = {theta};
    c.append_gate(qsim::GateKind::ry, q0, angle);  // the state to send
    c.h(1).cx(1, 2);                               // the Bell pair Alice and Bob share
    c.cx(0, 1).h(0);                               // Alice's Bell measurement
    c.measure(0, alice).measure(1, alice_pair);
    const qsim::Qubit q2[] = {2};
    c.append_gate(qsim::GateKind::x, q2, {}, qsim::Condition{1, 1});  // Bob's corrections
    c.append_gate(qsim::GateKind::z, q2, {}, qsim::Condition{0, 1});
    c.measure(2, bob);
    return c;
}

int run_demo(const DemoOptions& options, Streams io) {
    const qsim::Circuit circuit = teleportation(options.theta);
    core::Rng rng(options.seed);
    const qsim::Counts counts = qsim::CircuitRunner(circuit).counts(options.shots, rng);
    std::size_t ones = 0;
    for (const auto& [key, count] : counts)
        if (key[0] == '1') ones += count;  // the last register (Bob's) comes first
    const double expected = std::pow(std::sin(options.theta / 2), 2);
    const double measured = static_cast<double>(ones) / static_cast<double>(options.shots);
    const double sigma = std::sqrt(expected * (1 - expected) / static_cast<double>(options.shots));

    std::ostringstream text;
    nlohmann::ordered_json result;
    result["schema"] = "qkdlab.demo/1";
    result["config"] = {
        {"demo", "teleportation"}, {"theta", options.theta}, {"shots", options.shots}, {"seed", options.seed}};
    result["counts"] = counts;
    result["bob_p1"] = {{"measured", measured}, {"expected", expected}, {"sigma", sigma}};
    text << "Teleportation of RY(" << options.theta << ")|0> with classical control, " << options.shots
         << " shots (seed " << options.seed << ")\n";
    text << "counts (bob m1 m0):\n";
    for (const auto& [key, count] : counts) text << "  " << key << "  " << count << "\n";
    text << "Bob measures 1 with frequency " << measured << "; sin^2(theta/2) = " << expected << " (sigma " << sigma
         << ")\n";
    write_output(options.out, options.json ? result.dump(2) + "\n" : text.str(), io.out);
    return EXIT_OK;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
    auto options = std::make_shared<DemoOptions>();
    CLI::App* demo = app.add_subcommand("demo", "Run the built-in demonstration on default settings");
    demo->add_option("--theta", options->theta, "Angle of the state to teleport, RY(theta)|0>")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 6.2832));
    demo->add_option("--shots", options->shots, "Shots")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 26));
    demo->add_option("--seed", options->seed, "Seed of the generator")->capture_default_str();
    demo->add_flag("--json", options->json, "Write a JSON result");
    demo->add_option("--out", options->out, "Write the result to this file instead of stdout");
    return {demo, [options](Streams io) { return run_demo(*options, io); }};
}

}  // namespace qkdlab::cli
