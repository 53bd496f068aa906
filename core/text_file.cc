#include "qkdlab/core/text_file.h"

#include <fstream>
#include <iterator>
#include <system_error>

namespace qkdlab::core {

std::optional<std::string> read_text_file(const std::filesystem::path& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return std::nullopt;
    return contents;
}

}  // namespace qkdlab::core
