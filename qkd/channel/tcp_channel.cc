// The TCP transport of ClassicalChannel (POSIX sockets). Each message is one frame
// [type u8][payload length u32 little-endian][payload]; classical_channel.h.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <thread>
#include <utility>

#include "qkdlab/qkd/classical_channel.h"

namespace qkdlab::qkd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto CONNECT_RETRY = std::chrono::milliseconds(50);

std::string system_message(int error) { return std::strerror(error); }

// "host:port", or "[host]:port" for an IPv6 literal.
std::string format_address(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A socket descriptor closed at the end of its scope unless released.
class Socket {
  public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

struct AddressList {
    addrinfo* head = nullptr;
    AddressList(const std::string& host, std::uint16_t port, bool passive) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
        const std::string service = std::to_string(port);
        const int status = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &head);
        if (status != 0) {
            throw ChannelError("tcp " + format_address(host, port) +
                               ": cannot resolve the host: " + ::gai_strerror(status));
        }
    }
    ~AddressList() { ::freeaddrinfo(head); }
    AddressList(const AddressList&) = delete;
    AddressList& operator=(const AddressList&) = delete;
};

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
}

// poll() on one descriptor for `events`, restarted on EINTR with the time left. False on timeout.
bool wait_for(int fd, short events, std::chrono::milliseconds timeout, const std::string& address) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, remaining_ms(deadline));
        if (ready > 0) return true;
        if (ready == 0) return false;
        if (errno != EINTR) throw ChannelError("tcp " + address + ": poll: " + system_message(errno));
    }
}

void set_no_delay_and_send_timeout(int fd, std::chrono::milliseconds timeout, const std::string& address) {
    const int on = 1;
    timeval send_timeout{};
    send_timeout.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    send_timeout.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout) != 0) {
        throw ChannelError("tcp " + address + ": setsockopt: " + system_message(errno));
    }
}

class TcpChannel final : public ClassicalChannel {
  public:
    TcpChannel(int fd, std::string address, std::chrono::milliseconds timeout)
        : socket_(fd), address_(std::move(address)), timeout_(timeout) {
        set_no_delay_and_send_timeout(fd, timeout, address_);
    }
    ~TcpChannel() override { ::shutdown(socket_.get(), SHUT_RDWR); }
    TcpChannel(const TcpChannel&) = delete;
    TcpChannel& operator=(const TcpChannel&) = delete;

    void send(Message message) override {
        const std::size_t length = message.payload.size();
        if (length > MAX_PAYLOAD_BYTES) {
            throw ChannelError("tcp " + address_ + ": a " + to_string(message.type) + " payload of " +
                               std::to_string(length) + " bytes exceeds the maximum of " +
                               std::to_string(MAX_PAYLOAD_BYTES));
        }
        std::array<std::uint8_t, FRAME_HEADER_BYTES> header{static_cast<std::uint8_t>(message.type)};
        for (std::size_t i = 0; i < 4; ++i) header[1 + i] = static_cast<std::uint8_t>(length >> (8 * i));
        std::array<iovec, 2> parts{iovec{header.data(), header.size()},
                                   iovec{const_cast<std::uint8_t*>(message.payload.data()), length}};
        std::size_t first = 0;
        while (first < parts.size() && parts[first].iov_len == 0) ++first;
        while (first < parts.size()) {
            msghdr msg{};
            msg.msg_iov = &parts[first];
            msg.msg_iovlen = parts.size() - first;
            const ssize_t sent = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    throw ChannelError("tcp " + address_ + ": the peer took no data for " +
                                       std::to_string(timeout_.count()) + " ms");
                }
                throw ChannelError("tcp " + address_ + ": send: " + system_message(errno));
            }
            bytes_sent_ += static_cast<std::uint64_t>(sent);
            for (auto left = static_cast<std::size_t>(sent); left > 0;) {  // past what went out
                const std::size_t used = std::min(left, parts[first].iov_len);
                parts[first].iov_base = static_cast<std::uint8_t*>(parts[first].iov_base) + used;
                parts[first].iov_len -= used;
                left -= used;
                if (parts[first].iov_len == 0) ++first;
            }
            while (first < parts.size() && parts[first].iov_len == 0) ++first;
        }
    }

    Message receive() override {
        std::array<std::uint8_t, FRAME_HEADER_BYTES> header{};
        read_exactly(header.data(), header.size(), true);
        std::size_t length = 0;
        for (std::size_t i = 0; i < 4; ++i) length |= std::size_t{header[1 + i]} << (8 * i);
        Message message;
        message.type = static_cast<MessageType>(header[0]);
        if (length > MAX_PAYLOAD_BYTES) {
            throw ChannelError("tcp " + address_ + ": a frame announces a " + to_string(message.type) + " payload of " +
                               std::to_string(length) + " bytes; the maximum is " + std::to_string(MAX_PAYLOAD_BYTES));
        }
        message.payload.resize(length);
        read_exactly(message.payload.data(), length, false);
        return message;
    }

    std::uint64_t bytes_sent() const override { return bytes_sent_; }
    std::uint64_t bytes_received() const override { return bytes_received_; }

  private:
    // Reads `size` bytes, waiting at most the timeout for each piece.
    void read_exactly(std::uint8_t* data, std::size_t size, bool frame_start) {
        for (std::size_t done = 0; done < size;) {
            if (!wait_for(socket_.get(), POLLIN, timeout_, address_)) {
                throw ChannelError("tcp " + address_ + ": no data within " + std::to_string(timeout_.count()) + " ms");
            }
            const ssize_t got = ::recv(socket_.get(), data + done, size - done, 0);
            if (got < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
                throw ChannelError("tcp " + address_ + ": receive: " + system_message(errno));
            }
            if (got == 0) {
                throw ChannelError("tcp " + address_ + ": peer closed the channel" +
                                   (frame_start && done == 0 ? "" : " in the middle of a message"));
            }
            done += static_cast<std::size_t>(got);
            bytes_received_ += static_cast<std::uint64_t>(got);
        }
    }

    Socket socket_;
    std::string address_;
    std::chrono::milliseconds timeout_;
    std::atomic<std::uint64_t> bytes_sent_{0};
    std::atomic<std::uint64_t> bytes_received_{0};
};

// One connection attempt to one address, abandoned at `deadline`. The connected descriptor, or -1
// with errno set.
int connect_once(const addrinfo& address, Clock::time_point deadline) {
    Socket fd(::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address.ai_protocol));
    if (fd.get() < 0) return -1;
    if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
        if (errno != EINPROGRESS) return -1;
        while (true) {
            pollfd entry{fd.get(), POLLOUT, 0};
            const int ready = ::poll(&entry, 1, remaining_ms(deadline));
            if (ready > 0) break;
            if (ready == 0) {
                errno = ETIMEDOUT;
                return -1;
            }
            if (errno != EINTR) return -1;
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) return -1;
        if (error != 0) {
            errno = error;
            return -1;
        }
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return -1;
    return fd.release();
}

}  // namespace

TcpListener::TcpListener(const std::string& host, std::uint16_t port) : port_(port) {
    address_ = format_address(host, port);
    const AddressList addresses(host, port, true);
    int last_error = 0;
    std::string failed_call = "bind";
    for (const addrinfo* a = addresses.head; a != nullptr; a = a->ai_next) {
        Socket fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
        const int on = 1;
        if (fd.get() < 0 || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
            last_error = errno;
            failed_call = "socket";
            continue;
        }
        if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
            last_error = errno;
            failed_call = "bind";
            continue;
        }
        if (::listen(fd.get(), 1) != 0) {
            last_error = errno;
            failed_call = "listen";
            continue;
        }
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
            last_error = errno;
            failed_call = "getsockname";
            continue;
        }
        port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                                                  : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
        address_ = format_address(host, port_);
        fd_ = fd.release();
        return;
    }
    throw ChannelError("tcp_listen " + address_ + ": " + failed_call + ": " + system_message(last_error));
}

TcpListener::~TcpListener() {
    if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<ClassicalChannel> TcpListener::accept(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::milliseconds(remaining_ms(deadline));
        if (!wait_for(fd_, POLLIN, left, address_)) {
            throw ChannelError("tcp_listen " + address_ + ": no peer connected within " +
                               std::to_string(timeout.count()) + " ms");
        }
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        // Non-blocking, so that a connection that went away since poll() cannot hang it.
        const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            throw ChannelError("tcp_listen " + address_ + ": accept: " + system_message(errno));
        }
        Socket accepted(fd);
        if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
            throw ChannelError("tcp_listen " + address_ + ": fcntl: " + system_message(errno));
        }
        std::array<char, NI_MAXHOST> host{};
        std::array<char, NI_MAXSERV> service{};
        std::string peer_address = "a peer";
        if (::getnameinfo(reinterpret_cast<sockaddr*>(&peer), length, host.data(), host.size(), service.data(),
                          service.size(), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
            peer_address = "peer " + format_address(host.data(), static_cast<std::uint16_t>(std::stoi(service.data())));
        }
        return std::make_unique<TcpChannel>(accepted.release(), peer_address + " of " + address_, timeout);
    }
}

std::unique_ptr<ClassicalChannel> tcp_listen(const std::string& host, std::uint16_t port,
                                             std::chrono::milliseconds timeout) {
    TcpListener listener(host, port);
    return listener.accept(timeout);
}

std::unique_ptr<ClassicalChannel> tcp_connect(const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout) {
    const std::string address = format_address(host, port);
    const auto deadline = Clock::now() + timeout;
    const AddressList addresses(host, port, false);
    while (true) {
        int last_error = 0;
        bool refused = false;  // by any of the host's addresses: the peer may not be listening yet
        for (const addrinfo* a = addresses.head; a != nullptr; a = a->ai_next) {
            const int fd = connect_once(*a, deadline);
            if (fd >= 0) return std::make_unique<TcpChannel>(fd, address, timeout);
            last_error = errno;
            refused = refused || last_error == ECONNREFUSED;
        }
        if (!refused) throw ChannelError("tcp_connect " + address + ": " + system_message(last_error));
        const auto now = Clock::now();
        if (now >= deadline) {
            throw ChannelError("tcp_connect " + address + ": " + system_message(ECONNREFUSED) + " (retried for " +
                               std::to_string(timeout.count()) + " ms)");
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(CONNECT_RETRY, deadline - now));
    }
}

}  // namespace qkdlab::qkd
