#include "cli/table.h"

#include <algorithm>
#include <cstdio>

namespace qkdlab::cli {
namespace {

std::string format(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", x);
    return text;
}

}  // namespace

std::string Table::csv() const {
    std::string out;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (c) out += ',';
        out += columns[c];
    }
    out += '\n';
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c) out += ',';
            out += format(row[c]);
        }
        out += '\n';
    }
    return out;
}

std::string Table::text() const {
    std::vector<std::size_t> width(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) width[c] = columns[c].size() + (c == 0 ? 2 : 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], format(row[c]).size());
    const auto cell = [&](std::string text, std::size_t c) {
        return std::string(width[c] - std::min(width[c], text.size()), ' ') + text + (c + 1 < width.size() ? "  " : "");
    };
    std::string out;
    for (std::size_t c = 0; c < columns.size(); ++c) out += cell(c == 0 ? "# " + columns[c] : columns[c], c);
    out += '\n';
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) out += cell(format(row[c]), c);
        out += '\n';
    }
    return out;
}

}  // namespace qkdlab::cli
