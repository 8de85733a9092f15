import CCurl
import Foundation

/// One HTTPS exchange through libcurl that trusts exactly one CA (the pinned one of ClientConfig) and
/// nothing of the system's bundle. URLSession on Linux is libcurl too, but it always loads the system
/// bundle and offers no hook to replace it; a police terminal should trust its force's own CA only.
/// Redirects are never followed (libcurl's default), so the credential goes nowhere else.
struct PinnedCurlExchange: Sendable {
    let caFile: String
    let timeout: TimeInterval

    struct Answer: Sendable {
        var status: Int
        var body: Data
        var location: String?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// POSTs `body` to `url` with `headers` on a thread of its own (libcurl's easy interface blocks).
    func post(_ url: URL, headers: [String: String], body: Data) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try perform(url, headers: headers, body: body) })
            }
        }
    }

    private final class Received {
        var body = Data()
        var headers: [String] = []
    }

    private func perform(_ url: URL, headers: [String: String], body: Data) throws -> Answer {
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not start a request") }
        defer { curl_easy_cleanup(handle) }
        let received = Received()
        let context = Unmanaged.passUnretained(received).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        let status: CURLcode = url.absoluteString.withCString { urlText in
            caFile.withCString { caText in
                body.withUnsafeBytes { bytes in
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_URL, urlText)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_POST, 1)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress)
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
                    // The pinned CA alone: no system bundle, no CA directory.
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_CAINFO, caText)
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_CAPATH, nil)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                    _ = fieldsync_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1_000))
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_ACCEPT_ENCODING, "gzip")
                    _ = fieldsync_curl_setopt_write(handle) { data, size, count, context in
                        let box = Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue()
                        if let data { box.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
                        return size * count
                    }
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
                    _ = fieldsync_curl_setopt_header(handle) { data, size, count, context in
                        let box = Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue()
                        if let data { box.headers.append(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)) }
                        return size * count
                    }
                    _ = fieldsync_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
                    return curl_easy_perform(handle)
                }
            }
        }
        guard status == CURLE_OK else {
            throw Failure(description: String(cString: curl_easy_strerror(status)))
        }
        var code = 0
        _ = fieldsync_curl_response_code(handle, &code)
        let location = received.headers.lazy.compactMap { line -> String? in
            guard line.lowercased().hasPrefix("location:") else { return nil }
            return line.dropFirst("location:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        }.first
        return Answer(status: code, body: received.body, location: location)
    }
}
