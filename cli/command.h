#pragma once
// What every subcommand provides: it adds itself to the app, and returns the action to run once
// the command line has been parsed.

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>

namespace qkdlab::cli {

struct Streams {
    std::ostream& out;
    std::ostream& err;
};

struct Command {
    CLI::App* app;                       // the subcommand, owned by the parent app
    std::function<int(Streams)> action;  // runs it once parsed; returns the exit status
};

// Each subcommand's file defines one of these.
Command add_sim_command(CLI::App& app);
Command add_demo_command(CLI::App& app);
Command add_rate_command(CLI::App& app);
Command add_link_command(CLI::App& app);
Command add_node_command(CLI::App& app);

}  // namespace qkdlab::cli
