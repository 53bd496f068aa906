#include "qkdlab/qsim/fusion.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "circuit/check_qubits.h"
#include "qkdlab/core/error.h"
#include "statevector/bits.h"
#include "statevector/kernels.h"
#include "statevector/threads.h"

namespace qkdlab::qsim {
namespace {

// Qubits 0..2 belong to every block, so that chunks are gathered in runs of at least eight
// amplitudes (two 64-byte cache lines).
constexpr unsigned ALWAYS_LOCAL_QUBITS = 3;

struct LargeUnitary {
    Matrix matrix;
    std::vector<Qubit> targets;
    Index control_mask = 0;
};

// An operation after stage 1, on global qubits.
struct Item {
    kernels::KernelOp op;
    Index qubit_mask = 0;               // every qubit it touches
    std::optional<LargeUnitary> large;  // above kernels::MAX_TARGETS targets: run on its own
};

Item make_item(const Matrix& matrix, std::span<const Qubit> targets, Index control_mask) {
    Item item;
    item.qubit_mask = mask_of(targets) | control_mask;
    if (targets.size() <= kernels::MAX_TARGETS) {
        item.op = kernels::make_kernel_op(matrix, targets, control_mask);
    } else {
        item.large = LargeUnitary{matrix, {targets.begin(), targets.end()}, control_mask};
    }
    return item;
}

// Stage 1: operations to items, multiplying runs of one-qubit gates on the same qubit.
std::vector<Item> plan_items(std::span<const Operation> ops, unsigned num_qubits, bool merge, FusionStats& stats) {
    std::vector<Item> items;
    std::vector<std::optional<Matrix>> pending(num_qubits);
    const auto flush = [&](Qubit q) {
        if (!pending[q]) return;
        const Qubit target[] = {q};
        items.push_back(make_item(*pending[q], target, 0));
        pending[q].reset();
    };
    for (const Operation& op : ops) {
        if (op.kind == OpKind::barrier) continue;
        if ((op.kind != OpKind::gate && op.kind != OpKind::unitary) || op.condition) {
            throw Error("a fused program takes only unconditional gates and unitaries");
        }
        check_qubits(op.qubits, num_qubits, "the program");
        check_qubits(op.controls, num_qubits, "the program");
        ++stats.gates;
        std::span<const Qubit> targets = op.qubits;
        std::span<const Qubit> controls = op.controls;
        Matrix matrix;
        if (op.kind == OpKind::gate) {
            const unsigned num_controls = gate_info(op.gate).num_controls;
            controls = targets.first(num_controls);
            targets = targets.subspan(num_controls);
            matrix = gate_target_matrix(op.gate, op.params);
        } else {
            matrix = op.matrix;
        }
        if (merge && targets.size() == 1 && controls.empty()) {
            const Qubit q = targets[0];
            pending[q] = pending[q] ? matrix * *pending[q] : std::move(matrix);
            continue;
        }
        for (Qubit q : targets) flush(q);
        for (Qubit q : controls) flush(q);
        items.push_back(make_item(matrix, targets, mask_of(controls)));
    }
    for (Qubit q = 0; q < num_qubits; ++q) flush(q);
    stats.kernel_ops = items.size();
    return items;
}

// Insert a zero bit at each of the ascending `positions`.
Index expand(Index i, std::span<const Qubit> positions) {
    for (Qubit p : positions) i = insert_zero_bit(i, p);
    return i;
}

Index deposit(Index bits, std::span<const Qubit> positions) {
    Index out = 0;
    for (std::size_t k = 0; k < positions.size(); ++k) out |= ((bits >> k) & 1) << positions[k];
    return out;
}

struct AlignedFree {
    void operator()(Complex* p) const { std::free(p); }
};

}  // namespace

struct FusedProgram::Step {
    std::vector<kernels::KernelOp> ops;  // on global qubits, or on local ones when blocked
    std::vector<Qubit> block;            // ascending; empty: each op is a pass of its own
    unsigned contiguous_low = 0;         // block[j] == j for j below this
    std::vector<Index> run_offsets;      // where the gathered runs of 2^contiguous_low amplitudes start
    std::optional<LargeUnitary> large;
};

FusedProgram::FusedProgram(std::span<const Operation> ops, unsigned num_qubits, const FusionOptions& options)
    : num_qubits_(num_qubits), block_qubits_(options.block_qubits) {
    if (options.cache_blocking && (block_qubits_ <= ALWAYS_LOCAL_QUBITS + kernels::MAX_TARGETS || block_qubits_ > 24)) {
        throw Error("block_qubits must be between " + std::to_string(ALWAYS_LOCAL_QUBITS + kernels::MAX_TARGETS + 1) +
                    " and 24, got " + std::to_string(block_qubits_));
    }
    std::vector<Item> items = plan_items(ops, num_qubits, options.merge_single_qubit_gates, stats_);
    const bool blocking = options.cache_blocking && num_qubits > block_qubits_;

    const auto add_direct = [&](Item& item) {
        Step step;
        if (item.large) {
            step.large = std::move(item.large);
        } else {
            step.ops.push_back(item.op);
        }
        steps_.push_back(std::move(step));
    };
    if (!blocking) {
        for (Item& item : items) add_direct(item);
        stats_.passes = steps_.size();
        return;
    }

    const Index all_qubits = num_qubits >= 64 ? ~Index{0} : (Index{1} << num_qubits) - 1;
    const Index always_local = (Index{1} << ALWAYS_LOCAL_QUBITS) - 1;
    std::vector<bool> done(items.size(), false);
    std::size_t first = 0;
    while (first < items.size()) {
        // One block: walk the remaining items in order, taking each whose qubits are not blocked by
        // an earlier item left out and that still fits; an item left out blocks its qubits.
        Index block = always_local, blocked = 0;
        std::vector<std::size_t> members;
        for (std::size_t i = first; i < items.size() && blocked != all_qubits; ++i) {
            if (done[i]) continue;
            const Item& item = items[i];
            const Index mask = item.large ? all_qubits : item.qubit_mask;
            if (!item.large && (mask & blocked) == 0 &&
                static_cast<unsigned>(std::popcount(block | mask)) <= block_qubits_) {
                block |= mask;
                members.push_back(i);
                done[i] = true;
            } else {
                blocked |= mask;
            }
        }
        if (members.empty()) {  // a large unitary at the front
            add_direct(items[first]);
            done[first] = true;
        } else if (members.size() == 1) {
            add_direct(items[members[0]]);
        } else {
            for (Qubit q = 0; std::popcount(block) < static_cast<int>(block_qubits_); ++q) block |= Index{1} << q;
            Step step;
            for (Index bits = block; bits != 0; bits &= bits - 1)
                step.block.push_back(static_cast<Qubit>(std::countr_zero(bits)));
            while (step.contiguous_low < step.block.size() && step.block[step.contiguous_low] == step.contiguous_low)
                ++step.contiguous_low;
            const std::span<const Qubit> high = std::span<const Qubit>(step.block).subspan(step.contiguous_low);
            step.run_offsets.resize(std::size_t{1} << high.size());
            for (std::size_t h = 0; h < step.run_offsets.size(); ++h) step.run_offsets[h] = deposit(h, high);
            std::vector<Qubit> local_of(num_qubits, 0);
            for (std::size_t j = 0; j < step.block.size(); ++j) local_of[step.block[j]] = static_cast<Qubit>(j);
            for (std::size_t i : members) {
                kernels::KernelOp op = items[i].op;
                for (unsigned j = 0; j < op.num_targets; ++j) op.targets[j] = local_of[op.targets[j]];
                Index local_controls = 0;
                for (Index bits = op.control_mask; bits != 0; bits &= bits - 1)
                    local_controls |= Index{1} << local_of[std::countr_zero(bits)];
                op.control_mask = local_controls;
                step.ops.push_back(op);
            }
            steps_.push_back(std::move(step));
        }
        while (first < items.size() && done[first]) ++first;
    }
    stats_.passes = steps_.size();
}

FusedProgram::FusedProgram(FusedProgram&&) noexcept = default;
FusedProgram& FusedProgram::operator=(FusedProgram&&) noexcept = default;
FusedProgram::~FusedProgram() = default;

void FusedProgram::run(StateVector& state) const {
    if (state.num_qubits() != num_qubits_) {
        throw Error("a program for " + std::to_string(num_qubits_) + " qubits cannot run on a state of " +
                    std::to_string(state.num_qubits()));
    }
    Complex* s = state.mutable_amplitudes().data();
    const Index dim = state.dim();
    const Index chunk = Index{1} << block_qubits_;
    // One chunk buffer per thread for the whole run, not one per pass.
    std::vector<std::unique_ptr<Complex, AlignedFree>> buffers;
    if (std::any_of(steps_.begin(), steps_.end(),
                    [&](const Step& step) { return !step.block.empty() && step.contiguous_low < block_qubits_; })) {
        for (int t = 0; t < omp_get_max_threads(); ++t) {
            void* p = std::aligned_alloc(64, static_cast<std::size_t>(chunk) * sizeof(Complex));
            if (p == nullptr) throw std::bad_alloc();
            buffers.emplace_back(static_cast<Complex*>(p));
        }
    }
    for (const Step& step : steps_) {
        if (step.large) {
            kernels::apply_dense_any(step.large->matrix, step.large->targets, step.large->control_mask, s, dim);
            continue;
        }
        if (step.block.empty()) {
            for (const kernels::KernelOp& op : step.ops) kernels::apply(op, s, dim);
            continue;
        }
        const Index chunks = dim >> block_qubits_;
        if (step.contiguous_low == block_qubits_) {  // the chunks are contiguous: work in place
            for_each_range(chunks, dim, [&](Index begin, Index end) {
                for (Index c = begin; c < end; ++c)
                    for (const kernels::KernelOp& op : step.ops) kernels::apply_serial(op, s + c * chunk, chunk);
            });
            continue;
        }
        const Index run = Index{1} << step.contiguous_low;
        for_each_range(chunks, dim, [&](Index begin, Index end) {
            Complex* buf = buffers[static_cast<std::size_t>(omp_get_thread_num())].get();
            for (Index c = begin; c < end; ++c) {
                const Index base = expand(c, step.block);
                for (std::size_t h = 0; h < step.run_offsets.size(); ++h)
                    std::memcpy(buf + h * run, s + base + step.run_offsets[h], run * sizeof(Complex));
                for (const kernels::KernelOp& op : step.ops) kernels::apply_serial(op, buf, chunk);
                for (std::size_t h = 0; h < step.run_offsets.size(); ++h)
                    std::memcpy(s + base + step.run_offsets[h], buf + h * run, run * sizeof(Complex));
            }
        });
    }
}

}  // namespace qkdlab::qsim
