import CompressNIO
import FieldSyncCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Request and response bodies of protocol v1: JSON, optionally gzip in either direction, with the
/// size limit applied to the decompressed bytes so that a small gzip bomb is refused too.
struct WireBody: Sendable {
    /// Most bytes of a body, compressed or not, and of its decompressed form.
    let maxBodyBytes: Int
    /// Responses smaller than this are sent uncompressed: gzip would cost more than it saves.
    let compressionThreshold = 1_024
    /// zlib level 1: about three times faster than the default level 6 on pull pages, for ~20% more bytes
    /// (measured: 134 → 159 bytes per household visit in a page). In a reconnect storm, compressing pages
    /// at level 6 was half of the server's CPU time.
    static let responseCompression = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: 1))

    func bytes(of request: Request) async throws -> Data {
        try decompressed(try await received(request), of: request)
    }

    /// The body as it came (gzip'd or not), whole: the size limit and the content type checked.
    func received(_ request: Request) async throws -> ByteBuffer {
        // A body announced larger than the limit is refused from the head, before any of it is read
        // (issue 14: a head announcing 10^12 bytes used to hold its connection while bytes trickled in).
        if let length = request.headers[.contentLength], let announced = UInt64(length), announced > UInt64(maxBodyBytes) {
            throw ServerError(.payloadTooLarge, "the body is larger than \(maxBodyBytes) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw ServerError(.payloadTooLarge, "the body is larger than \(maxBodyBytes) bytes")
        }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw ServerError(.malformedRequest, "Content-Type must be application/json, not '\(type)'")
        }
        return buffer
    }

    /// A body `received` decompressed as its Content-Encoding says, within the size limit.
    func decompressed(_ received: ByteBuffer, of request: Request) throws -> Data {
        var buffer = received
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            break
        case "gzip":
            do {
                buffer = try buffer.decompress(with: .gzip(), maxSize: maxBodyBytes)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw ServerError(.payloadTooLarge, "the decompressed body is larger than \(maxBodyBytes) bytes")
            } catch {
                throw ServerError(.malformedRequest, "the gzip body is corrupt or truncated")
            }
        case let other?:
            throw ServerError(.malformedRequest, "Content-Encoding '\(other)' is not supported; use gzip or none")
        }
        return Data(buffer.readableBytesView)
    }

    func decode<Message: ProtocolMessage>(_ type: Message.Type, from request: Request) async throws -> Message {
        try decode(type, from: try await bytes(of: request))
    }

    /// A body already read (`bytes(of:)`), decoded.
    func decode<Message: ProtocolMessage>(_ type: Message.Type, from data: Data) throws -> Message {
        // Bodies with record states (push, sync) take the direct reader inside WireCoding.decode, which
        // yields exactly what JSONDecoder would or gives up (then JSONDecoder answers, errors included).
        do {
            return try WireCoding.decode(type, from: data)
        } catch {
            throw ServerError(error)
        }
    }

    func respond(_ message: some Encodable, to request: Request, status: HTTPResponse.Status = .ok) throws -> Response {
        respond(json: try JSONEncoder().encode(message), to: request, status: status)
    }

    func respond(json: Data, to request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        var buffer = ByteBuffer(bytes: json)
        if json.count >= compressionThreshold, Self.acceptsGzip(request),
           let compressed = try? buffer.compress(with: Self.responseCompression) {
            headers[.contentEncoding] = "gzip"
            buffer = compressed
        }
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// A sync answer: gzip'd by splicing its page's deflated ranges (`StoredSyncResponse.gzip`) when the
    /// terminal accepts gzip, else plain JSON.
    func respond(_ answer: StoredSyncResponse, to request: Request) throws -> Response {
        try respond(plainLength: answer.plainLength, gzip: answer.gzip, json: answer.json, to: request)
    }

    /// A pull page (`/v1/pull`), the same way.
    func respond(_ page: EncodedPage, serverTime: Int64, to request: Request) throws -> Response {
        try respond(plainLength: page.plainLength, gzip: {
            var composer = GzipComposer(capacity: page.deflatedLength)
            page.write(to: &composer, after: Data(), serverTime: serverTime)
            return composer.finish()
        }, json: { try page.json(serverTime: serverTime) }, to: request)
    }

    private func respond(plainLength: Int, gzip: () throws -> [UInt8], json: () throws -> Data, to request: Request) throws -> Response {
        guard plainLength >= compressionThreshold, Self.acceptsGzip(request) else { return respond(json: try json(), to: request) }
        let body = try gzip()
        return Response(status: .ok, headers: [.contentType: "application/json", .contentEncoding: "gzip", .contentLength: String(body.count)],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accept = request.headers[.acceptEncoding]?.lowercased() else { return false }
        return accept.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return fields.first == "gzip" && !fields.dropFirst().contains("q=0")
        }
    }
}
