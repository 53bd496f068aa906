#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "qkdlab/core/text_file.h"
#include "run_cli.h"

namespace qkdlab::cli {
namespace {

using testing::Outcome;
using testing::run_cli;
using testing::scratch;

// A TCP port on 127.0.0.1 that was free a moment ago.
std::string free_port() {
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t size = sizeof address;
    if (::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
        ::close(probe);
        return "0";
    }
    ::close(probe);
    return std::to_string(ntohs(address.sin_port));
}

std::string read(const std::filesystem::path& path) { return *core::read_text_file(path); }

struct Pair {
    Outcome alice, bob;
};

// Alice and Bob as two node runs (threads here, processes in use) over TCP on the loopback.
Pair run_nodes(const std::vector<std::string>& common, const std::string& tag) {
    const auto pool = scratch("node_pool_" + tag);
    EXPECT_EQ(run_cli({"node", "--auth-key", pool.string(), "--new-auth-key", "262144"}).status, 0);
    std::filesystem::copy_file(pool, scratch("node_alice_pool_" + tag),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(pool, scratch("node_bob_pool_" + tag),
                               std::filesystem::copy_options::overwrite_existing);
    const std::string endpoint = "127.0.0.1:" + free_port();
    std::vector<std::string> alice = {"node",
                                      "--role",
                                      "alice",
                                      "--listen",
                                      endpoint,
                                      "--auth-key",
                                      scratch("node_alice_pool_" + tag).string(),
                                      "--keys",
                                      scratch("node_alice_keys_" + tag).string(),
                                      "--timeout",
                                      "20"};
    std::vector<std::string> bob = {"node",
                                    "--role",
                                    "bob",
                                    "--connect",
                                    endpoint,
                                    "--auth-key",
                                    scratch("node_bob_pool_" + tag).string(),
                                    "--keys",
                                    scratch("node_bob_keys_" + tag).string(),
                                    "--timeout",
                                    "20"};
    alice.insert(alice.end(), common.begin(), common.end());
    bob.insert(bob.end(), common.begin(), common.end());
    Pair out;
    std::thread alice_thread([&] { out.alice = run_cli(alice); });
    out.bob = run_cli(bob);
    alice_thread.join();
    return out;
}

}  // namespace

TEST(command_node, two_nodes_over_tcp_produce_the_same_key_and_keep_their_pools_in_step) {
    const Pair r = run_nodes(
        {"--link", testing::testdata("finite_key_link.json"), "--pulses", "6e7", "--seed", "11", "--json"}, "ok");
    ASSERT_EQ(r.alice.status, 0) << r.alice.err;
    ASSERT_EQ(r.bob.status, 0) << r.bob.err;
    const auto a = nlohmann::json::parse(r.alice.out), b = nlohmann::json::parse(r.bob.out);
    EXPECT_EQ(a["schema"], "qkdlab.node-run/1");
    EXPECT_EQ(a["role"], "alice");
    EXPECT_FALSE(a["postprocess"]["aborted"]) << a["postprocess"]["abort_reason"];
    EXPECT_TRUE(a["postprocess"]["keys_identical"]);
    EXPECT_TRUE(b["postprocess"]["keys_identical"]);
    EXPECT_EQ(a["postprocess"]["final_key_bits"], b["postprocess"]["final_key_bits"]);
    EXPECT_GT(b["postprocess"]["corrected_bits"].get<std::uint64_t>(), 0);
    const auto alice_keys = nlohmann::json::parse(read(scratch("node_alice_keys_ok")));
    const auto bob_keys = nlohmann::json::parse(read(scratch("node_bob_keys_ok")));
    ASSERT_EQ(alice_keys["blocks"].size(), 1u) << a.dump(1);
    EXPECT_EQ(alice_keys["blocks"][0]["key_hex"], bob_keys["blocks"][0]["key_hex"]);
    EXPECT_EQ(alice_keys["blocks"][0]["id"], bob_keys["blocks"][0]["id"]);
    // Both pools consumed and replenished alike, written back.
    EXPECT_EQ(read(scratch("node_alice_pool_ok")), read(scratch("node_bob_pool_ok")));
    EXPECT_NE(read(scratch("node_alice_pool_ok")), read(scratch("node_pool_ok")));
}

TEST(command_node, nodes_of_different_links_abort_at_hello) {
    const auto pool = scratch("node_pool_mismatch");
    ASSERT_EQ(run_cli({"node", "--auth-key", pool.string(), "--new-auth-key", "65536"}).status, 0);
    std::filesystem::copy_file(pool, scratch("node_pool_mismatch_b"),
                               std::filesystem::copy_options::overwrite_existing);
    const std::string endpoint = "127.0.0.1:" + free_port();
    Outcome alice;
    std::thread alice_thread([&] {
        alice = run_cli({"node", "--role", "alice", "--listen", endpoint, "--auth-key", pool.string(), "--pulses",
                         "1e6", "--seed", "1", "--timeout", "20", "--json"});
    });
    const Outcome bob =
        run_cli({"node", "--role", "bob", "--connect", endpoint, "--auth-key", scratch("node_pool_mismatch_b").string(),
                 "--pulses", "2e6", "--seed", "1", "--timeout", "20", "--json"});
    alice_thread.join();
    ASSERT_EQ(alice.status, 0) << alice.err;
    ASSERT_EQ(bob.status, 0) << bob.err;
    const auto a = nlohmann::json::parse(alice.out), b = nlohmann::json::parse(bob.out);
    EXPECT_TRUE(a["postprocess"]["aborted"]);
    EXPECT_TRUE(b["postprocess"]["aborted"]);
    EXPECT_NE(a["postprocess"]["abort_reason"].get<std::string>().find("pulse"), std::string::npos);
}

TEST(command_node, bad_input_is_refused_with_status_2) {
    const auto pool = scratch("node_pool_bad");
    ASSERT_EQ(run_cli({"node", "--auth-key", pool.string(), "--new-auth-key", "4096"}).status, 0);
    const auto garbage = scratch("node_garbage_pool");
    {
        std::ofstream out(garbage);
        out << "not a pool";
    }
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--role", "alice", "--seed", "1", "--auth-key", pool.string()}, "--listen"},
        {{"--role", "bob", "--seed", "1", "--auth-key", pool.string()}, "--connect"},
        {{"--role", "alice", "--listen", "localhost", "--seed", "1", "--auth-key", pool.string()}, "HOST:PORT"},
        {{"--role", "alice", "--listen", "127.0.0.1:70000", "--seed", "1", "--auth-key", pool.string()}, "port"},
        {{"--role", "alice", "--listen", "127.0.0.1:5000", "--auth-key", pool.string()}, "--seed"},
        {{"--role", "alice", "--listen", "127.0.0.1:5000", "--seed", "1", "--auth-key", garbage.string()},
         garbage.string()},
        {{"--role", "alice", "--listen", "127.0.0.1:5000", "--seed", "1", "--auth-key",
          scratch("node_missing_pool").string()},
         "node_missing_pool"},
        {{"--role", "alice", "--listen", "127.0.0.1:5000", "--seed", "1", "--auth-key", pool.string(), "--protocol"},
         "--protocol"},
        {{"--auth-key", pool.string(), "--new-auth-key", "12"}, "--new-auth-key"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"node"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const Outcome r = run_cli(args);
        EXPECT_EQ(r.status, 2) << c.message << ": " << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    }
}

TEST(command_node, a_missing_peer_is_a_runtime_failure) {
    const auto pool = scratch("node_pool_lonely");
    ASSERT_EQ(run_cli({"node", "--auth-key", pool.string(), "--new-auth-key", "4096"}).status, 0);
    const Outcome r = run_cli({"node", "--role", "bob", "--connect", "127.0.0.1:" + free_port(), "--auth-key",
                               pool.string(), "--pulses", "1000", "--seed", "1", "--timeout", "0.3"});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
}

}  // namespace qkdlab::cli
