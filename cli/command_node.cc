// qkdlab node: one party of a QKD link as a process of its own. Both nodes emulate the same link
// with the same seed (the shared physical channel), each keeps only its own half of the raw records,
// and the two run the post-processing over TCP, every message authenticated with the pre-shared key
// pool of --auth-key, which the node writes back (consumed and replenished) when it is done.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/files.h"
#include "cli/link_input.h"
#include "cli/postprocess_report.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/authentication.h"
#include "qkdlab/qkd/classical_channel.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/postprocess.h"

namespace qkdlab::cli {
namespace {

constexpr const char* NODE_SCHEMA = "qkdlab.node-run/1";

struct NodeOptions {
    LinkInput link;
    std::string role;
    std::string listen;
    std::string connect;
    RunLength run;
    std::optional<std::uint64_t> seed;
    std::string auth_key;
    std::optional<std::uint64_t> new_auth_key_bits;
    double timeout_s = 60;
    PostprocessInput postprocessing;
    std::string keys;
    bool json = false;
    std::string out;
};

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
};

// HOST:PORT, [IPV6]:PORT.
Endpoint parse_endpoint(const std::string& text, const std::string& option) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw Error(option + ": expected HOST:PORT, got '" + text + "'");
    Endpoint out;
    out.host = text.substr(0, colon);
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
        out.host = out.host.substr(1, out.host.size() - 2);
    const std::string port = text.substr(colon + 1);
    std::size_t used = 0;
    unsigned long value = 0;
    try {
        value = std::stoul(port, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != port.size() || value == 0 || value > 65535)
        throw Error(option + ": expected a port in 1..65535, got '" + port + "'");
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

// --auth-key FILE --new-auth-key BITS: a fresh pool of uniform bits from std::random_device, to be
// copied to both nodes.
int write_new_pool(const NodeOptions& options, Streams io) {
    const std::uint64_t bits = *options.new_auth_key_bits;
    if (bits < 1024 || bits > (std::uint64_t{1} << 33))
        throw Error("--new-auth-key: expected between 1024 and 2^33 bits, got " + std::to_string(bits));
    std::random_device device;
    core::BitVector key(bits);
    for (core::BitVector::Word& word : key.words()) word = std::uint64_t{device()} << 32 | device();
    key.resize(bits);
    const std::vector<std::uint8_t> bytes = qkd::AuthenticationKeyPool(key).to_bytes();
    key.wipe();
    write_output(options.auth_key, std::string(bytes.begin(), bytes.end()), io.out);
    io.err << "qkdlab node: wrote a pre-shared authentication pool of " << bits << " bits to " << options.auth_key
           << "; give each node its own copy\n";
    return EXIT_OK;
}

int run_node(const NodeOptions& options, Streams io) {
    if (options.auth_key.empty()) throw Error("--auth-key: a pre-shared key pool file is required");
    if (options.new_auth_key_bits) return write_new_pool(options, io);
    if (options.role.empty()) throw Error("--role: expected alice or bob");
    if (!options.seed) throw Error("--seed: required, and the same on both nodes (it fixes the emulated link)");
    const std::uint64_t seed = *options.seed;
    const bool alice = options.role == "alice";
    if (alice && (options.listen.empty() || !options.connect.empty()))
        throw Error("--role alice: give --listen HOST:PORT (Alice waits for Bob)");
    if (!alice && (options.connect.empty() || !options.listen.empty()))
        throw Error("--role bob: give --connect HOST:PORT (Bob dials Alice)");
    const Endpoint endpoint =
        parse_endpoint(alice ? options.listen : options.connect, alice ? "--listen" : "--connect");
    if (!(options.timeout_s > 0 && options.timeout_s <= 86400))
        throw Error("--timeout: expected seconds in (0, 86400], got " + std::to_string(options.timeout_s));
    check_output_paths({{"--out", options.out}, {"--keys", options.keys}});

    const qkd::Link link = resolve_link(options.link);
    const qkd::PostprocessOptions postprocessing = postprocess_options(options.postprocessing, link);
    const qkd::Fidelity fidelity = qkd::parse_fidelity(options.run.mode);
    const std::uint64_t pulses = pulse_count(options.run, link);
    const std::string pool_text = read_input(options.auth_key);
    qkd::AuthenticationKeyPool pool;
    try {
        pool = qkd::AuthenticationKeyPool::from_bytes(
            {reinterpret_cast<const std::uint8_t*>(pool_text.data()), pool_text.size()});
    } catch (const Error& e) {
        throw Error(options.auth_key + ": " + e.what());
    }

    // The shared physical channel: both nodes emulate it from the same seed; each keeps its half.
    core::Rng link_rng(seed);
    const qkd::Party party = alice ? qkd::Party::alice : qkd::Party::bob;
    qkd::PartyRecords own;
    {
        const qkd::RawRecords records = qkd::emulate(link, fidelity, pulses, link_rng, {});
        own = qkd::party_records(records, party);
    }
    // This party's own randomness: not the link's, and not the peer's.
    std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), alice ? 1u : 2u,
                           std::random_device{}()};
    core::Rng rng(sequence);

    const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options.timeout_s * 1000));
    io.err << "qkdlab node: " << options.role << " " << (alice ? "listening on " : "connecting to ")
           << (alice ? options.listen : options.connect) << "\n";
    const std::unique_ptr<qkd::ClassicalChannel> transport =
        alice ? qkd::tcp_listen(endpoint.host, endpoint.port, timeout)
              : qkd::tcp_connect(endpoint.host, endpoint.port, timeout);
    qkd::PartyOutcome outcome;
    {
        qkd::AuthenticatedChannel channel(*transport, pool, party);
        outcome = qkd::run_party(channel, pool, own, link, postprocessing, 0, rng);
    }
    const std::vector<std::uint8_t> pool_bytes = pool.to_bytes();
    write_output(options.auth_key, std::string(pool_bytes.begin(), pool_bytes.end()), io.out);

    KeyFileSink keys(options.keys, options.role);
    if (outcome.key) keys.deliver(std::move(*outcome.key));
    keys.write(io.out);

    std::string text;
    if (options.json) {
        nlohmann::ordered_json result;
        result["schema"] = NODE_SCHEMA;
        result["role"] = options.role;
        result["link"] = qkd::to_json(link);
        result["mode"] = options.run.mode;
        result["seed"] = seed;
        result["pulses"] = pulses;
        result["postprocess"] = block_json(outcome.report);
        result["auth_pool_bits_left"] = pool.available_bits();
        text = result.dump(2) + "\n";
    } else {
        std::ostringstream out;
        out << "node " << options.role << " on link " << link.name << ": " << pulses << " pulses, "
            << outcome.report.detections << " detections, seed " << seed << "\n"
            << block_text(outcome.report) << "authentication pool: " << pool.available_bits() << " bits left\n";
        text = out.str();
    }
    write_output(options.out, text, io.out);
    return EXIT_OK;  // an aborted block is an outcome, reported; not a failure
}

}  // namespace

Command add_node_command(CLI::App& app) {
    auto options = std::make_shared<NodeOptions>();
    CLI::App* node = app.add_subcommand(
        "node",
        "Run one party (Alice or Bob) of a link as its own process: emulate the shared link, keep this "
        "party's half of the records, and post-process with the peer over authenticated TCP");
    node->add_option("--role", options->role, "alice (listens) or bob (connects)")
        ->check(CLI::IsMember({"alice", "bob"}));
    node->add_option("--listen", options->listen, "Alice: HOST:PORT to accept Bob on");
    node->add_option("--connect", options->connect, "Bob: HOST:PORT of Alice");
    add_link_options(*node, options->link, "metro-25km");
    add_run_length_options(*node, options->run, "(the same on both nodes)");
    node->add_option("--seed", options->seed, "Seed of the emulated link; the same on both nodes (required)");
    node->add_option("--auth-key", options->auth_key,
                     "The pre-shared authentication key pool (qkdlab's pool file); read, and written back when done");
    node->add_option("--new-auth-key", options->new_auth_key_bits,
                     "Instead of running, write a fresh pool of this many random bits to --auth-key");
    node->add_option("--timeout", options->timeout_s, "Seconds to wait for the peer and for each message")
        ->capture_default_str();
    add_postprocess_options(*node, options->postprocessing);
    node->add_option("--keys", options->keys, "Write this node's key blocks to this JSON file (qkdlab.keys/1)");
    node->add_flag("--json", options->json, "Write JSON (schema qkdlab.node-run/1) instead of text");
    node->add_option("--out", options->out, "Write the report to this file instead of standard output");
    return {node, [options](Streams io) { return run_node(*options, io); }};
}

}  // namespace qkdlab::cli
