#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <new>
#include <ostream>

#include "cli/command.h"
#include "qkdlab/core/error.h"

namespace qkdlab::cli {
namespace {

using AddCommand = Command (*)(CLI::App&);

// The table of subcommands.
constexpr AddCommand COMMANDS[] = {
    add_sim_command,
    add_link_command,
    add_node_command,
    add_rate_command,
    add_demo_command,
};

constexpr const char* APP_DESCRIPTION = "qkdlab: a quantum-channel and QKD emulator";

// The app with every subcommand added; `commands` receives their actions.
void build_app(CLI::App& app, std::vector<Command>& commands) {
    app.require_subcommand(1);
    app.set_version_flag("--version", "qkdlab 0.1.0");
    for (AddCommand add : COMMANDS) commands.push_back(add(app));
}

}  // namespace

std::string reference_markdown() {
    CLI::App app{APP_DESCRIPTION, "qkdlab"};
    std::vector<Command> commands;
    build_app(app, commands);
    std::string md =
        "# qkdlab command-line reference\n\n"
        "Generated from the commands' own `--help` by `cmake --build build --target cli_docs`; a test fails "
        "when this file and the commands drift apart.\n\n## qkdlab\n\n```\n" +
        app.help() + "```\n";
    for (const Command& command : commands)
        md += "\n## qkdlab " + command.app->get_name() + "\n\n```\n" + command.app->help() + "```\n";
    return md;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CLI::App app{APP_DESCRIPTION, "qkdlab"};
    std::vector<Command> commands;
    build_app(app, commands);

    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return EXIT_OK;
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return EXIT_OK;
    } catch (const CLI::CallForVersion& e) {
        out << e.what() << "\n";
        return EXIT_OK;
    } catch (const CLI::ParseError& e) {
        err << "qkdlab: error: " << e.what() << "\n";
        if (!app.get_subcommands().empty())
            err << "run 'qkdlab " << app.get_subcommands()[0]->get_name() << " --help' for usage\n";
        return EXIT_BAD_INPUT;
    }
    try {
        for (const Command& command : commands)
            if (command.app->parsed()) return command.action({out, err});
        return EXIT_RUNTIME_FAILURE;
    } catch (const qkdlab::Error& e) {
        err << "qkdlab: error: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    } catch (const std::bad_alloc&) {
        err << "qkdlab: error: out of memory\n";
        return EXIT_RUNTIME_FAILURE;
    } catch (const std::exception& e) {
        err << "qkdlab: error: " << e.what() << "\n";
        return EXIT_RUNTIME_FAILURE;
    }
}

}  // namespace qkdlab::cli
