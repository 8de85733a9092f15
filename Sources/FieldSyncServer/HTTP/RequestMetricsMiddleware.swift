import FieldSyncCore
import Hummingbird

/// Times every request into the server's own metrics and turns unexpected errors into a typed
/// `internalError` body, so that no answer leaves without a `ProtocolError`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            metrics.recordLatency(route: context.endpointPath ?? "unmatched", status: status, nanoseconds: nanoseconds)
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as ServerError {
            record(error.status.code)
            if let underlying = error.underlying {
                context.logger.error("storage failure", metadata: ["error": "\(underlying)", "path": "\(request.uri.path)"])
            }
            throw error
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors (no route, wrong method) get the protocol's body shape as well.
            record(error.status.code)
            let code: ProtocolError.Code = error.status == .notFound || error.status == .methodNotAllowed ? .notFound : .malformedRequest
            throw ServerError(code, "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
        } catch {
            record(500)
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw ServerError(.internalError, "the server failed to answer; the request may be retried")
        }
    }
}
