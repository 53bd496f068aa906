#include "statevector/kernels.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <vector>

#include "statevector/bits.h"
#include "statevector/threads.h"

namespace qkdlab::qsim::kernels {
namespace {

// The hot loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at load time, so one
// binary runs everywhere and uses the widest vectors the machine has.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define QKDLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define QKDLAB_CLONES
#endif
#define QKDLAB_INLINE __attribute__((always_inline))

// Where the bits an operation involves sit. The kernels enumerate "items": basis indices with every
// involved bit zero (then the control bits set), in order, grouped in runs of consecutive indices
// below the lowest involved bit, so that the inner loops walk contiguous memory.
struct Layout {
    unsigned count = 0;                         // involved bits (targets and controls)
    std::array<unsigned char, 64> positions{};  // ascending
    Index control_mask = 0;
    Index run_mask = 0;                                // bits below the lowest involved bit
    std::array<Index, (1u << MAX_TARGETS)> offsets{};  // offset of target pattern r from the item
};

Layout make_layout(std::span<const Qubit> targets, Index control_mask) {
    Layout layout;
    const Index involved = control_mask | mask_of(targets);
    for (Index bits = involved; bits != 0; bits &= bits - 1)
        layout.positions[layout.count++] = static_cast<unsigned char>(std::countr_zero(bits));
    layout.control_mask = control_mask;
    layout.run_mask = (Index{1} << layout.positions[0]) - 1;
    if (targets.size() > MAX_TARGETS) return layout;  // apply_dense_any keeps its own offsets
    for (std::size_t r = 0; r < (std::size_t{1} << targets.size()); ++r)
        for (std::size_t j = 0; j < targets.size(); ++j)
            if ((r >> j) & 1) layout.offsets[r] |= Index{1} << targets[j];
    return layout;
}

QKDLAB_INLINE inline Index expand(Index i, const Layout& layout) {
    for (unsigned k = 0; k < layout.count; ++k) i = insert_zero_bit(i, layout.positions[k]);
    return i | layout.control_mask;
}

template <class RunFn>
QKDLAB_INLINE inline void for_runs(Index begin, Index end, const Layout& layout, RunFn&& run) {
    Index i = begin;
    while (i < end) {
        const Index len = std::min(end - i, layout.run_mask + 1 - (i & layout.run_mask));
        run(expand(i, layout), len);
        i += len;
    }
}

// y = M x for the 2^K amplitudes at s + offsets[r] + j, for j in [0, len). Interleaved doubles, so
// that the compiler sees plain real arithmetic it can vectorise across j.
template <unsigned K>
QKDLAB_INLINE inline void dense_run(Complex* s, Index len, const Index* offsets, const Complex* m) {
    constexpr unsigned D = 1u << K;
    double* __restrict p = reinterpret_cast<double*>(s);
    const double* __restrict md = reinterpret_cast<const double*>(m);
    for (Index j = 0; j < len; ++j) {
        double xr[D], xi[D];
        for (unsigned c = 0; c < D; ++c) {
            xr[c] = p[2 * (offsets[c] + j)];
            xi[c] = p[2 * (offsets[c] + j) + 1];
        }
        for (unsigned r = 0; r < D; ++r) {
            double yr = 0, yi = 0;
            for (unsigned c = 0; c < D; ++c) {
                const double ar = md[2 * (r * D + c)], ai = md[2 * (r * D + c) + 1];
                yr += ar * xr[c] - ai * xi[c];
                yi += ar * xi[c] + ai * xr[c];
            }
            p[2 * (offsets[r] + j)] = yr;
            p[2 * (offsets[r] + j) + 1] = yi;
        }
    }
}

template <unsigned K>
QKDLAB_INLINE inline void dense_range(Index begin, Index end, const Layout& layout, const Complex* m, Complex* s) {
    for_runs(
        begin, end, layout, [&](Index base, Index len) __attribute__((always_inline)) {
            dense_run<K>(s + base, len, layout.offsets.data(), m);
        });
}

QKDLAB_CLONES void dense1_range(Index b, Index e, const Layout& l, const Complex* m, Complex* s) {
    dense_range<1>(b, e, l, m, s);
}
QKDLAB_CLONES void dense2_range(Index b, Index e, const Layout& l, const Complex* m, Complex* s) {
    dense_range<2>(b, e, l, m, s);
}
QKDLAB_CLONES void dense3_range(Index b, Index e, const Layout& l, const Complex* m, Complex* s) {
    dense_range<3>(b, e, l, m, s);
}
QKDLAB_CLONES void dense4_range(Index b, Index e, const Layout& l, const Complex* m, Complex* s) {
    dense_range<4>(b, e, l, m, s);
}
static_assert(MAX_TARGETS == 4, "one dense range function per target count");

QKDLAB_CLONES void diagonal_range(Index begin, Index end, const Layout& layout, unsigned num_targets, const Complex* d,
                                  Complex* s) {
    const std::size_t patterns = std::size_t{1} << num_targets;
    for_runs(
        begin, end, layout, [&](Index base, Index len) __attribute__((always_inline)) {
            for (std::size_t r = 0; r < patterns; ++r) {
                if (d[r] == Complex{1.0, 0.0}) continue;
                const double dr = d[r].real(), di = d[r].imag();
                double* __restrict p = reinterpret_cast<double*>(s + base + layout.offsets[r]);
                for (Index j = 0; j < len; ++j) {
                    const double xr = p[2 * j], xi = p[2 * j + 1];
                    p[2 * j] = dr * xr - di * xi;
                    p[2 * j + 1] = dr * xi + di * xr;
                }
            }
        });
}

// Diagonal operators run over aligned blocks of 8 amplitudes (bits 0-2) with a table of the eight
// factors for each pattern of the involved bits from 3 up, so an operator on the lowest qubits
// still streams through contiguous memory; blocks whose factors are all 1 (a control not
// satisfied) are not touched at all.
constexpr unsigned BLOCK_BITS = 3;
constexpr unsigned BLOCK = 1u << BLOCK_BITS;
constexpr unsigned MAX_TABLE_HIGH_BITS = 6;

// Two complex numbers as four doubles (re, im, re, im), unaligned; GCC lowers this to SSE2, AVX2
// or AVX-512 in each clone.
typedef double Pair __attribute__((vector_size(32), aligned(8)));
typedef long long PairIndex __attribute__((vector_size(32)));

struct DiagonalTable {
    unsigned num_high = 0;
    std::array<unsigned char, MAX_TABLE_HIGH_BITS> high_positions{};
    // For pattern h, the factors of the block's 8 amplitudes as (re, re) and (-im, im) pairs.
    std::array<double, (2 * BLOCK << MAX_TABLE_HIGH_BITS)> re{}, im{};
    std::array<bool, (1u << MAX_TABLE_HIGH_BITS)> identity{};
};

// False if the operator involves more high bits than the table holds.
bool make_diagonal_table(const KernelOp& op, const Layout& layout, DiagonalTable& table) {
    for (unsigned k = 0; k < layout.count; ++k) {
        if (layout.positions[k] < BLOCK_BITS) continue;
        if (table.num_high == MAX_TABLE_HIGH_BITS) return false;
        table.high_positions[table.num_high++] = layout.positions[k];
    }
    for (unsigned h = 0; h < (1u << table.num_high); ++h) {
        Index base = 0;
        for (unsigned k = 0; k < table.num_high; ++k) base |= Index{(h >> k) & 1u} << table.high_positions[k];
        table.identity[h] = true;
        for (unsigned j = 0; j < BLOCK; ++j) {
            const Index i = base | j;
            std::size_t pattern = 0;
            for (unsigned t = 0; t < op.num_targets; ++t)
                pattern |= static_cast<std::size_t>((i >> op.targets[t]) & 1) << t;
            const Complex f = (i & op.control_mask) == op.control_mask ? op.data[pattern] : Complex{1.0, 0.0};
            const std::size_t at = 2 * (h * BLOCK + j);
            table.re[at] = table.re[at + 1] = f.real();
            table.im[at] = -f.imag();
            table.im[at + 1] = f.imag();
            table.identity[h] = table.identity[h] && f == Complex{1.0, 0.0};
        }
    }
    return true;
}

QKDLAB_CLONES void diagonal_blocks_range(Index begin, Index end, const DiagonalTable& table, Complex* s) {
    // The pattern of the high bits is constant over aligned runs of blocks below the lowest of them.
    const Index run = table.num_high == 0 ? end : Index{1} << (table.high_positions[0] - BLOCK_BITS);
    for (Index b = begin; b < end;) {
        const Index run_end = std::min(end, (b | (run - 1)) + 1);
        const Index i = b << BLOCK_BITS;
        unsigned h = 0;
        for (unsigned k = 0; k < table.num_high; ++k)
            h |= static_cast<unsigned>((i >> table.high_positions[k]) & 1) << k;
        if (!table.identity[h]) {
            const double* a = &table.re[2 * h * BLOCK];
            const double* c = &table.im[2 * h * BLOCK];
            for (double* p = reinterpret_cast<double*>(s + i); b < run_end; ++b, p += 2 * BLOCK) {
                for (unsigned q = 0; q < 2 * BLOCK; q += 4) {
                    Pair x, fa, fb;
                    std::memcpy(&x, p + q, sizeof x);
                    std::memcpy(&fa, a + q, sizeof fa);
                    std::memcpy(&fb, c + q, sizeof fb);
                    // x * f with f as (re, re) and (-im, im): x * fa + swap(x) * fb
                    x = x * fa + __builtin_shuffle(x, PairIndex{1, 0, 3, 2}) * fb;
                    std::memcpy(p + q, &x, sizeof x);
                }
            }
        }
        b = run_end;
    }
}

// A one-qubit gate on qubit T = 0, 1 or 2: groups of 2^(T+1) amplitudes, the first half paired
// with the second, unrolled at compile time so that the short runs still vectorise.
template <unsigned T>
QKDLAB_INLINE inline void dense1_low_groups(Index begin, Index end, const Complex* m, Complex* s) {
    constexpr unsigned HALF = 1u << T;
    const double* md = reinterpret_cast<const double*>(m);
    const double m00r = md[0], m00i = md[1], m01r = md[2], m01i = md[3];
    const double m10r = md[4], m10i = md[5], m11r = md[6], m11i = md[7];
    double* __restrict p = reinterpret_cast<double*>(s);
    for (Index g = begin; g < end; ++g) {
        double* __restrict x = p + 4 * HALF * g;
        double* __restrict y = x + 2 * HALF;
        for (unsigned j = 0; j < HALF; ++j) {
            const double ar = x[2 * j], ai = x[2 * j + 1], br = y[2 * j], bi = y[2 * j + 1];
            x[2 * j] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
            x[2 * j + 1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
            y[2 * j] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
            y[2 * j + 1] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
        }
    }
}

QKDLAB_CLONES void dense1_low_range(Index begin, Index end, unsigned target, const Complex* m, Complex* s) {
    switch (target) {
        case 0:
            return dense1_low_groups<0>(begin, end, m, s);
        case 1:
            return dense1_low_groups<1>(begin, end, m, s);
        default:
            return dense1_low_groups<2>(begin, end, m, s);
    }
}

// A dense two-qubit operator with one target on qubit T = 0, 1 or 2 and the other, H, at 3 or
// above: for each aligned block X of 8 amplitudes with bit H clear and its partner Y = X + 2^H, the
// four amplitudes of each of the block's four pairs (j, j + 2^T) in X and Y are gathered into
// vectors across the pairs, so that the 4 x 4 product runs on full vectors even though T is low.
typedef double Quad __attribute__((vector_size(64), aligned(8)));  // four complex numbers
typedef long long QuadIndex __attribute__((vector_size(64)));

template <unsigned T>
QKDLAB_INLINE inline void dense2_low_blocks(Index begin, Index end, unsigned high, const Complex* m, Complex* s) {
    // Where the pairs' first and second members sit among the 16 doubles of a block (two Quads),
    // and the inverse permutation back.
    constexpr QuadIndex FIRST = T == 0   ? QuadIndex{0, 1, 4, 5, 8, 9, 12, 13}
                                : T == 1 ? QuadIndex{0, 1, 2, 3, 8, 9, 10, 11}
                                         : QuadIndex{0, 1, 2, 3, 4, 5, 6, 7};
    constexpr QuadIndex SECOND = T == 0   ? QuadIndex{2, 3, 6, 7, 10, 11, 14, 15}
                                 : T == 1 ? QuadIndex{4, 5, 6, 7, 12, 13, 14, 15}
                                          : QuadIndex{8, 9, 10, 11, 12, 13, 14, 15};
    constexpr QuadIndex BACK_LOW = T == 0   ? QuadIndex{0, 1, 8, 9, 2, 3, 10, 11}
                                   : T == 1 ? QuadIndex{0, 1, 2, 3, 8, 9, 10, 11}
                                            : QuadIndex{0, 1, 2, 3, 4, 5, 6, 7};
    constexpr QuadIndex BACK_HIGH = T == 0   ? QuadIndex{4, 5, 12, 13, 6, 7, 14, 15}
                                    : T == 1 ? QuadIndex{4, 5, 6, 7, 12, 13, 14, 15}
                                             : QuadIndex{8, 9, 10, 11, 12, 13, 14, 15};
    constexpr QuadIndex SWAP_RE_IM = {1, 0, 3, 2, 5, 4, 7, 6};
    // m as broadcast (re, re) and (-im, im) quads: x * m = x * re + swap(x) * im.
    Quad re[16], im[16];
    for (unsigned k = 0; k < 16; ++k) {
        for (unsigned d = 0; d < 8; d += 2) {
            re[k][d] = re[k][d + 1] = m[k].real();
            im[k][d] = -m[k].imag();
            im[k][d + 1] = m[k].imag();
        }
    }
    const Index high_offset = Index{1} << high;
    for (Index k = begin; k < end; ++k) {
        // Block k of those with bit H clear: insert a zero at bit H - 3 of the block index.
        double* x = reinterpret_cast<double*>(s + (insert_zero_bit(k, high - BLOCK_BITS) << BLOCK_BITS));
        double* y = reinterpret_cast<double*>(reinterpret_cast<Complex*>(x) + high_offset);
        Quad x0, x1, y0, y1;
        std::memcpy(&x0, x, sizeof x0);
        std::memcpy(&x1, x + 8, sizeof x1);
        std::memcpy(&y0, y, sizeof y0);
        std::memcpy(&y1, y + 8, sizeof y1);
        // Local index: bit 0 the low target, bit 1 the high one.
        const Quad a[4] = {__builtin_shuffle(x0, x1, FIRST), __builtin_shuffle(x0, x1, SECOND),
                           __builtin_shuffle(y0, y1, FIRST), __builtin_shuffle(y0, y1, SECOND)};
        Quad b[4];
        for (unsigned r = 0; r < 4; ++r) {
            Quad acc = {};
            for (unsigned c = 0; c < 4; ++c)
                acc += a[c] * re[4 * r + c] + __builtin_shuffle(a[c], SWAP_RE_IM) * im[4 * r + c];
            b[r] = acc;
        }
        x0 = __builtin_shuffle(b[0], b[1], BACK_LOW);
        x1 = __builtin_shuffle(b[0], b[1], BACK_HIGH);
        y0 = __builtin_shuffle(b[2], b[3], BACK_LOW);
        y1 = __builtin_shuffle(b[2], b[3], BACK_HIGH);
        std::memcpy(x, &x0, sizeof x0);
        std::memcpy(x + 8, &x1, sizeof x1);
        std::memcpy(y, &y0, sizeof y0);
        std::memcpy(y + 8, &y1, sizeof y1);
    }
}

QKDLAB_CLONES void dense2_low_range(Index begin, Index end, unsigned low, unsigned high, const Complex* m, Complex* s) {
    switch (low) {
        case 0:
            return dense2_low_blocks<0>(begin, end, high, m, s);
        case 1:
            return dense2_low_blocks<1>(begin, end, high, m, s);
        default:
            return dense2_low_blocks<2>(begin, end, high, m, s);
    }
}

// X and SWAP exchange two amplitudes of each item: those of target patterns `from` and `to`.
QKDLAB_CLONES void exchange_range(Index begin, Index end, const Layout& layout, Index from, Index to, Complex* s) {
    for_runs(
        begin, end, layout, [&](Index base, Index len) __attribute__((always_inline)) {
            double* __restrict a = reinterpret_cast<double*>(s + base + from);
            double* __restrict b = reinterpret_cast<double*>(s + base + to);
            for (Index j = 0; j < 2 * len; ++j) {
                const double t = a[j];
                a[j] = b[j];
                b[j] = t;
            }
        });
}

void apply_range(const KernelOp& op, const Layout& layout, Index begin, Index end, Complex* s) {
    switch (op.shape) {
        case Shape::x:
            exchange_range(begin, end, layout, 0, layout.offsets[1], s);
            return;
        case Shape::swap:
            exchange_range(begin, end, layout, layout.offsets[1], layout.offsets[2], s);
            return;
        case Shape::diagonal:
            diagonal_range(begin, end, layout, op.num_targets, op.data.data(), s);
            return;
        case Shape::dense:
            break;
    }
    switch (op.num_targets) {
        case 1:
            return dense1_range(begin, end, layout, op.data.data(), s);
        case 2:
            return dense2_range(begin, end, layout, op.data.data(), s);
        case 3:
            return dense3_range(begin, end, layout, op.data.data(), s);
        case 4:
            return dense4_range(begin, end, layout, op.data.data(), s);
        default:
            assert(false && "KernelOp with no targets");
    }
}

Index item_count(const Layout& layout, Index dim) { return dim >> layout.count; }

// `split(items, amplitudes, range)` covers [0, items) with calls range(begin, end); `amplitudes` is
// how many amplitudes the items touch, which decides threads (threads.h) in the parallel entry point.
template <class Split>
void apply_with(const KernelOp& op, Complex* state, Index dim, Split&& split) {
    const Layout layout = make_layout(op.target_list(), op.control_mask);
    if (op.shape == Shape::dense && op.num_targets == 1 && op.control_mask == 0 && op.targets[0] < BLOCK_BITS &&
        dim >= BLOCK) {
        split(dim >> (op.targets[0] + 1), dim,
              [&](Index begin, Index end) { dense1_low_range(begin, end, op.targets[0], op.data.data(), state); });
        return;
    }
    if (op.shape == Shape::dense && op.num_targets == 2 && op.control_mask == 0 && dim >= 2 * BLOCK &&
        std::min(op.targets[0], op.targets[1]) < BLOCK_BITS && std::max(op.targets[0], op.targets[1]) >= BLOCK_BITS) {
        // The matrix with the low target first (bit 0 of its index).
        std::array<Complex, 16> m;
        const bool low_first = op.targets[0] < op.targets[1];
        const auto local = [&](unsigned i) { return low_first ? i : ((i & 1) << 1) | (i >> 1); };
        for (unsigned r = 0; r < 4; ++r)
            for (unsigned c = 0; c < 4; ++c) m[4 * r + c] = op.data[4 * local(r) + local(c)];
        const unsigned low = std::min(op.targets[0], op.targets[1]), high = std::max(op.targets[0], op.targets[1]);
        split(dim / (2 * BLOCK), dim,
              [&](Index begin, Index end) { dense2_low_range(begin, end, low, high, m.data(), state); });
        return;
    }
    if (op.shape == Shape::diagonal && dim >= BLOCK) {
        DiagonalTable table;
        if (make_diagonal_table(op, layout, table)) {
            split(dim / BLOCK, dim, [&](Index begin, Index end) { diagonal_blocks_range(begin, end, table, state); });
            return;
        }
    }
    const Index items = item_count(layout, dim);
    split(items, items << op.num_targets, [&](Index begin, Index end) { apply_range(op, layout, begin, end, state); });
}

}  // namespace

KernelOp make_kernel_op(std::span<const Complex> row_major, std::span<const Qubit> targets, Index control_mask) {
    const std::size_t d = std::size_t{1} << targets.size();
    assert(!targets.empty() && targets.size() <= MAX_TARGETS && row_major.size() == d * d);
    KernelOp op;
    op.num_targets = static_cast<unsigned>(targets.size());
    std::copy(targets.begin(), targets.end(), op.targets.begin());
    op.control_mask = control_mask;
    bool diagonal = true;
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t c = 0; c < d; ++c) diagonal = diagonal && (r == c || row_major[r * d + c] == Complex{});
    // X and SWAP are exchanges of two basis patterns: entry (r, c) is 1 where r = c, except that the
    // two exchanged patterns map to each other.
    const auto exchanges = [&](std::size_t p, std::size_t q) {
        for (std::size_t r = 0; r < d; ++r)
            for (std::size_t c = 0; c < d; ++c) {
                const std::size_t image = c == p ? q : c == q ? p : c;
                if (row_major[r * d + c] != Complex{r == image ? 1.0 : 0.0}) return false;
            }
        return true;
    };
    if (d == 2 && exchanges(0, 1)) {
        op.shape = Shape::x;
    } else if (d == 4 && exchanges(1, 2)) {
        op.shape = Shape::swap;
    } else if (diagonal) {
        op.shape = Shape::diagonal;
        for (std::size_t r = 0; r < d; ++r) op.data[r] = row_major[r * d + r];
    } else {
        op.shape = Shape::dense;
        std::copy(row_major.begin(), row_major.end(), op.data.begin());
    }
    return op;
}

KernelOp make_kernel_op(const Matrix& matrix, std::span<const Qubit> targets, Index control_mask) {
    return make_kernel_op(matrix.data(), targets, control_mask);
}

void apply(const KernelOp& op, Complex* state, Index dim) {
    apply_with(op, state, dim,
               [](Index items, Index amplitudes, auto&& range) { for_each_range(items, amplitudes, range); });
}

void apply_serial(const KernelOp& op, Complex* state, Index dim) {
    apply_with(op, state, dim, [](Index items, Index, auto&& range) { range(Index{0}, items); });
}

void apply_dense_any(const Matrix& matrix, std::span<const Qubit> targets, Index control_mask, Complex* state,
                     Index dim) {
    const std::size_t d = matrix.dim();
    const Layout layout = make_layout(targets, control_mask);
    std::vector<Index> offsets(d, 0);
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t j = 0; j < targets.size(); ++j)
            if ((r >> j) & 1) offsets[r] |= Index{1} << targets[j];
    const Index items = item_count(layout, dim);
    for_each_range(items, items << targets.size(), [&](Index begin, Index end) {
        std::vector<Complex> in(d);
        for (Index i = begin; i < end; ++i) {
            Complex* s = state + expand(i, layout);
            for (std::size_t c = 0; c < d; ++c) in[c] = s[offsets[c]];
            for (std::size_t r = 0; r < d; ++r) {
                Complex sum = 0;
                for (std::size_t c = 0; c < d; ++c) sum += matrix(r, c) * in[c];
                s[offsets[r]] = sum;
            }
        }
    });
}

}  // namespace qkdlab::qsim::kernels
