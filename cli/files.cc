#include "cli/files.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <system_error>

#include "qkdlab/core/error.h"
#include "qkdlab/core/text_file.h"

namespace qkdlab::cli {

void write_output(const std::string& path, const std::string& text, std::ostream& out) {
    if (path.empty() || path == "-") {
        out << text;
        out.flush();
        return;
    }
    const std::filesystem::path target(path);
    const std::filesystem::path temp = target.string() + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        if (!file) throw std::runtime_error("cannot write '" + path + "'");
        file << text;
        file.close();
        if (!file) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            throw std::runtime_error("cannot write '" + path + "'");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, target, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw std::runtime_error("cannot write '" + path + "': " + ec.message());
    }
}

void check_output_paths(const std::vector<std::pair<std::string, std::string>>& option_and_path) {
    std::vector<std::pair<std::string, std::filesystem::path>> seen;
    for (const auto& [option, path] : option_and_path) {
        if (path.empty() || path == "-") continue;
        std::error_code ec;
        const std::filesystem::path full = std::filesystem::weakly_canonical(path, ec);
        const std::filesystem::path folder = (ec ? std::filesystem::path(path) : full).parent_path();
        if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
            throw Error(option + " '" + path + "': the folder '" + folder.string() + "' does not exist");
        }
        for (const auto& [other_option, other] : seen) {
            if (other == full) throw Error(option + " and " + other_option + " name the same file '" + path + "'");
        }
        seen.emplace_back(option, full);
    }
}

std::string read_input(const std::string& path) {
    std::optional<std::string> text = core::read_text_file(path);
    if (!text) throw Error("cannot read '" + path + "'");
    return std::move(*text);
}

}  // namespace qkdlab::cli
