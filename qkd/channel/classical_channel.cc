#include "qkdlab/qkd/classical_channel.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace qkdlab::qkd {

std::string to_string(MessageType type) {
    switch (type) {
        case MessageType::hello:
            return "hello";
        case MessageType::detections:
            return "detections";
        case MessageType::settings:
            return "settings";
        case MessageType::estimation_sample:
            return "estimation_sample";
        case MessageType::estimation_bits:
            return "estimation_bits";
        case MessageType::cascade_alice:
            return "cascade_alice";
        case MessageType::cascade_bob:
            return "cascade_bob";
        case MessageType::syndrome:
            return "syndrome";
        case MessageType::frame_result:
            return "frame_result";
        case MessageType::verification:
            return "verification";
        case MessageType::verification_result:
            return "verification_result";
        case MessageType::privacy_seed:
            return "privacy_seed";
        case MessageType::confirmation:
            return "confirmation";
        case MessageType::abort:
            return "abort";
    }
    return "unknown(" + std::to_string(static_cast<unsigned>(type)) + ")";
}

namespace {

// The messages of one direction. `closed` is set when either end goes away: the receiver still gets
// what was queued before, then ChannelError, and a sender gets ChannelError at once.
struct MessageQueue {
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<Message> messages;
    bool closed = false;

    void close() {
        {
            std::lock_guard lock(mutex);
            closed = true;
        }
        arrived.notify_all();
    }
};

class InProcessChannel final : public ClassicalChannel {
  public:
    InProcessChannel(std::shared_ptr<MessageQueue> outgoing, std::shared_ptr<MessageQueue> incoming,
                     std::chrono::milliseconds timeout)
        : outgoing_(std::move(outgoing)), incoming_(std::move(incoming)), timeout_(timeout) {}
    ~InProcessChannel() override {
        outgoing_->close();
        incoming_->close();
    }
    InProcessChannel(const InProcessChannel&) = delete;
    InProcessChannel& operator=(const InProcessChannel&) = delete;

    void send(Message message) override {
        if (message.payload.size() > MAX_PAYLOAD_BYTES) {
            throw ChannelError("in-process channel: a " + to_string(message.type) + " payload of " +
                               std::to_string(message.payload.size()) + " bytes exceeds the maximum of " +
                               std::to_string(MAX_PAYLOAD_BYTES));
        }
        const std::size_t bytes = FRAME_HEADER_BYTES + message.payload.size();
        {
            std::lock_guard lock(outgoing_->mutex);
            if (outgoing_->closed) throw ChannelError("in-process channel: peer closed the channel");
            outgoing_->messages.push_back(std::move(message));
        }
        outgoing_->arrived.notify_one();
        bytes_sent_ += bytes;
    }

    Message receive() override {
        std::unique_lock lock(incoming_->mutex);
        if (!incoming_->arrived.wait_for(lock, timeout_,
                                         [&] { return !incoming_->messages.empty() || incoming_->closed; })) {
            throw ChannelError("in-process channel: no message within " + std::to_string(timeout_.count()) + " ms");
        }
        if (incoming_->messages.empty()) throw ChannelError("in-process channel: peer closed the channel");
        Message message = std::move(incoming_->messages.front());
        incoming_->messages.pop_front();
        lock.unlock();
        bytes_received_ += FRAME_HEADER_BYTES + message.payload.size();
        return message;
    }

    std::uint64_t bytes_sent() const override { return bytes_sent_; }
    std::uint64_t bytes_received() const override { return bytes_received_; }

  private:
    std::shared_ptr<MessageQueue> outgoing_;
    std::shared_ptr<MessageQueue> incoming_;
    std::chrono::milliseconds timeout_;
    std::atomic<std::uint64_t> bytes_sent_{0};
    std::atomic<std::uint64_t> bytes_received_{0};
};

}  // namespace

std::pair<std::unique_ptr<ClassicalChannel>, std::unique_ptr<ClassicalChannel>> in_process_channel_pair(
    std::chrono::milliseconds timeout) {
    auto a_to_b = std::make_shared<MessageQueue>();
    auto b_to_a = std::make_shared<MessageQueue>();
    return {std::make_unique<InProcessChannel>(a_to_b, b_to_a, timeout),
            std::make_unique<InProcessChannel>(b_to_a, a_to_b, timeout)};
}

}  // namespace qkdlab::qkd
