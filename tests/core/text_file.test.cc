#include "qkdlab/core/text_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace qkdlab::core {

TEST(text_file, reads_a_file_whole_and_refuses_what_is_not_one) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto path = dir / "qkdlab_text_file_test.txt";
    {
        std::ofstream out(path, std::ios::binary);
        out << "line 1\n\0line 2" << std::string(1, '\0') << "end";
    }
    const auto text = read_text_file(path);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(text->substr(0, 7), "line 1\n");
    EXPECT_EQ(text->back(), 'd');
    std::filesystem::remove(path);
    EXPECT_FALSE(read_text_file(path).has_value());  // gone
    EXPECT_FALSE(read_text_file(dir).has_value());   // a folder
}

}  // namespace qkdlab::core
