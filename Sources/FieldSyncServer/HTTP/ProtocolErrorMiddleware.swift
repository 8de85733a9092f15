import FieldSyncCore
import Hummingbird

/// Gives every failed request a typed `ProtocolError` body: `ServerError`s pass as they are (their
/// storage cause logged here, never sent), Hummingbird's own errors (no route, wrong method) get the
/// protocol's shape, and anything unexpected becomes `internalError`.
struct ProtocolErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            if let underlying = error.underlying {
                context.logger.error("storage failure", metadata: ["error": "\(underlying)", "path": "\(request.uri.path)"])
            }
            throw error
        } catch let error as any HTTPResponseError {
            let code: ProtocolError.Code = error.status == .notFound || error.status == .methodNotAllowed ? .notFound : .malformedRequest
            throw ServerError(code, "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw ServerError(.internalError, "the server failed to answer; the request may be retried")
        }
    }
}
