#pragma once
// The classical channel between Alice and Bob: an ordered, reliable stream of typed messages, in
// one process (simulations, tests) or over TCP between two processes (`qkdlab node`). The
// post-processing stages talk only through this interface; authentication (authentication.h) wraps
// any channel.
//
// A transport failure (the peer closed the connection, a socket error, a timeout) throws
// ChannelError, a runtime failure (exit status 1 in the CLI), not a qkdlab::Error: it is not bad
// input. A message that fails authentication throws AuthenticationFailure (authentication.h), which
// the post-processing turns into an aborted block.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace qkdlab::qkd {

// What a message carries; the payload layout of each type is written by the stage that sends it
// (postprocess_protocol.h).
enum class MessageType : std::uint8_t {
    hello = 1,                 // either side: protocol version and block parameters
    detections = 2,            // Bob: the pulses he detected and his settings
    settings = 3,              // Alice: her settings and intensities for those pulses
    estimation_sample = 4,     // Alice: the sampled key positions, her sampled and test bits
    estimation_bits = 5,       // Bob: his sampled and test bits
    cascade_alice = 6,         // Alice (Cascade): her plan first, then differences and parities
    cascade_bob = 7,           // Bob (Cascade): differences and parities
    syndrome = 8,              // Alice (LDPC): the frames' parameters and syndromes
    frame_result = 9,          // Bob (LDPC): which frames decoded
    verification = 10,         // Alice: the hash points and her tag
    verification_result = 11,  // Bob: whether his tag agreed
    privacy_seed = 12,         // Alice: the output length and the Toeplitz seed
    confirmation = 13,         // either side: a hash of the final key, to report keys_identical
    abort = 14,                // either side: the block is aborted, with the reason
};
// "detections", "cascade_alice", ...; "unknown(N)" for a value outside the enum.
std::string to_string(MessageType type);

struct Message {
    MessageType type = MessageType::hello;
    std::vector<std::uint8_t> payload;
};

class ChannelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The framing both transports count (and TCP writes): [type u8][payload length u32 little-endian]
// [payload]. A payload above MAX_PAYLOAD_BYTES is refused by send() and by a TCP receive().
inline constexpr std::size_t FRAME_HEADER_BYTES = 5;
inline constexpr std::size_t MAX_PAYLOAD_BYTES = std::size_t{256} << 20;  // 256 MiB

class ClassicalChannel {
  public:
    virtual ~ClassicalChannel() = default;
    // Queues or writes one message (taken by value: a caller done with it moves it in, and a
    // payload of tens of megabytes - sifting's - is not copied); throws ChannelError if the transport
    // failed.
    virtual void send(Message message) = 0;
    // The next message from the peer, in the order sent; blocks until one arrives. Throws
    // ChannelError if the peer closed the channel, the transport failed or no message came within
    // the channel's timeout.
    virtual Message receive() = 0;
    // Bytes this end has sent and received (payloads and framing), for the report.
    virtual std::uint64_t bytes_sent() const = 0;
    virtual std::uint64_t bytes_received() const = 0;
};

// Two connected ends in one process (thread-safe: one thread per end). receive() waits at most
// `timeout` and then throws ChannelError; destroying one end makes the other's receive() throw
// (once the messages already queued are delivered) and its send() throw.
std::pair<std::unique_ptr<ClassicalChannel>, std::unique_ptr<ClassicalChannel>> in_process_channel_pair(
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// TCP (IPv4 or IPv6, host a name or a literal address). tcp_listen binds host:port, accepts one
// peer and returns its channel; tcp_connect retries until `timeout` while the peer is not yet
// listening. Both throw ChannelError on failure (with the address and the system's message);
// receive() on the result throws after `timeout` without data (the wait for each piece of data: a
// long message that keeps arriving is not cut off), and send() after `timeout` without progress.
// TCP_NODELAY is set; the socket is shut down and closed when the channel is destroyed.
std::unique_ptr<ClassicalChannel> tcp_listen(const std::string& host, std::uint16_t port,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(60));
std::unique_ptr<ClassicalChannel> tcp_connect(const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// tcp_listen in two steps, for a caller that needs the port before a peer connects (port 0: the
// system picks a free one). Binds and listens at construction (SO_REUSEADDR); throws ChannelError.
class TcpListener {
  public:
    TcpListener(const std::string& host, std::uint16_t port);
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    // The bound port (the system's choice when constructed with port 0).
    std::uint16_t port() const { return port_; }
    // Waits at most `timeout` for one peer; its channel uses `timeout` as tcp_listen's does.
    std::unique_ptr<ClassicalChannel> accept(std::chrono::milliseconds timeout);

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::string address_;  // host:port, for messages
};

}  // namespace qkdlab::qkd
