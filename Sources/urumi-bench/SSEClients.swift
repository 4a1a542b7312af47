import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Many SSE clients on raw sockets, read by one thread with poll(2): each `id:` line is
/// recorded with the monotonic time it arrived. Frames are written one per chunk by the
/// server, so a line is never split by chunk framing; lines are still assembled across reads.
final class SSEClients: @unchecked Sendable {
    private var sockets: [Int32] = []
    private var buffers: [[UInt8]] = []
    private let received = Mutex<[(cursor: String, at: Double)]>([])
    private let greeted = Atomic<Int>(0)
    private let stopFlag = Atomic<Bool>(false)
    private var thread: Thread?

    /// Connects `count` clients to `GET /stream` on 127.0.0.1:`port`.
    init(count: Int, port: Int) throws {
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError.unexpected("socket() failed: errno \(errno)") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw BenchError.unexpected("connect() failed: errno \(errno)") }
            let request = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), 0) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            sockets.append(fd)
            buffers.append([])
        }
        let thread = Thread { [unchecked = UncheckedBox(value: self)] in unchecked.value.readLoop() }
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Clients that received the stream's first bytes.
    var greetedCount: Int { greeted.load(ordering: .relaxed) }

    /// Every `id:` received so far, with its arrival time (seconds, monotonic).
    var deliveries: [(cursor: String, at: Double)] { received.withLock { $0 } }

    func close() {
        stopFlag.store(true, ordering: .relaxed)
        while thread?.isFinished == false { usleep(10_000) }
        for fd in sockets { Glibc.close(fd) }
    }

    private func readLoop() {
        var descriptors = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var seen = [Bool](repeating: false, count: sockets.count)
        while !stopFlag.load(ordering: .relaxed) {
            let ready = poll(&descriptors, nfds_t(descriptors.count), 50)
            guard ready > 0 else { continue }
            let now = monotonicSeconds()
            var batch: [(String, Double)] = []
            for index in descriptors.indices where descriptors[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { recv(descriptors[index].fd, $0.baseAddress, 65_536, 0) }
                guard count > 0 else {
                    descriptors[index].events = 0  // closed
                    continue
                }
                buffers[index].append(contentsOf: chunk[0..<count])
                // Complete lines only.
                guard let lastNewline = buffers[index].lastIndex(of: 10) else { continue }
                let lines = buffers[index][...lastNewline].split(separator: 10)
                buffers[index].removeSubrange(...lastNewline)
                for line in lines {
                    if line.starts(with: Array("id: ".utf8)) {
                        batch.append((String(decoding: line.dropFirst(4), as: UTF8.self), now))
                    } else if !seen[index], line.starts(with: Array(": urumi".utf8)) {
                        seen[index] = true
                        greeted.add(1, ordering: .relaxed)
                    }
                }
            }
            if !batch.isEmpty { received.withLock { $0.append(contentsOf: batch) } }
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Resident memory of a process, in KiB (VmRSS).
func residentKiB(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
