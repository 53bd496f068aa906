#pragma once
// A table of numbers with named columns, as the qkd commands print and write it: CSV, or aligned
// text with a '#' header line for gnuplot and awk.

#include <string>
#include <vector>

namespace qkdlab::cli {

struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<double>> rows;  // each as long as columns

    std::string csv() const;
    std::string text() const;
};

}  // namespace qkdlab::cli
