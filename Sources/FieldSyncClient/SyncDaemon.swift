import FieldSyncCore
import FieldSyncStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The terminal's sync daemon as a `Service`: a round on start, on every local change, and on a timer;
/// exponential backoff with full jitter after failures (at least the server's retry-after); the
/// status file rewritten after every round. Reconnection is noticed by the retries themselves: the
/// first round that gets through after an outage is the reconnection.
///
/// Graceful shutdown (SIGTERM through a ServiceGroup) lets a round in flight finish, so its work is
/// either committed or retried by the next start, then returns. A revocation ends the daemon: the
/// engine has wiped the store and there is nothing left to sync. So does a terminal that is not
/// enrolled and has no token: no retry can fix that.
///
/// While nobody is signed in (a round throws `StoreError.locked`) the daemon holds no key: it says
/// `locked` in its status, and tries again every `lockedPoll`, so a sign-in is picked up within it.
/// Nothing is lost meanwhile: the outbox stays in the store.
public final class SyncDaemon: Service, Sendable {
    /// How often the daemon syncs, and how long it waits after failures and while locked.
    public struct Timing: Sendable {
        /// Sync at least this often while nothing changes locally.
        public var interval: Duration
        /// The wait after a failed round.
        public var backoff: Backoff
        /// How often a locked daemon looks for a sign-in.
        public var lockedPoll: Duration

        /// A timing as given; a locked daemon looks for a sign-in every 2 s by default.
        public init(interval: Duration, backoff: Backoff, lockedPoll: Duration = .seconds(2)) {
            self.interval = interval
            self.backoff = backoff
            self.lockedPoll = lockedPoll
        }
    }

    /// One sync round (the engine's `syncUntilCaughtUp`, behind enrollment when needed).
    public typealias Round = @Sendable () async throws -> SyncEngine.Report
    /// The store's view for the status file (outbox, conflicts, rejected, lease).
    public typealias Snapshot = @Sendable () throws -> SyncStatus
    /// Waits `duration` (Task.sleep in production; tests return at once and record the schedule).
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    private let round: Round
    private let snapshot: Snapshot
    private let statusFile: String?
    private let timing: Timing
    private let sleep: Sleep
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let stopping = Mutex(false)

    /// A daemon that runs `round` on the schedule of `timing`.
    ///
    /// - Parameters:
    ///   - round: one sync round; `StoreError.locked` means nobody is signed in, not a failure.
    ///   - snapshot: the store's counts for the status file; when it throws, the last status is kept.
    ///   - statusFile: where the status goes after every round; nil: nowhere.
    ///   - timing: the interval, the backoff and the locked poll.
    ///   - logger: where rounds, failures and the audit-checkpoint warning are logged.
    ///   - sleep: the wait (injected so tests run at once and see the schedule).
    ///   - now: wall time in milliseconds since 1970, for the status file's times.
    public init(round: @escaping Round, snapshot: @escaping Snapshot, statusFile: String?, timing: Timing,
                logger: Logger, sleep: @escaping Sleep = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Int64 = { WallClock.milliseconds(Date()) }) {
        self.round = round
        self.snapshot = snapshot
        self.statusFile = statusFile
        self.timing = timing
        self.sleep = sleep
        self.now = now
        self.logger = logger
        // Changes made during a round coalesce into one wake-up: the next round pushes them all.
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A local write happened: sync soon (immediately, unless backing off after a failure).
    public func localChange() { wake.yield() }

    /// Stops after the round in flight, if any (what graceful shutdown calls).
    public func stop() {
        stopping.withLock { $0 = true }
        wake.yield()
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// Runs rounds until `stop()` or graceful shutdown (then returns after the round in flight), or a
    /// revocation (returns, the store wiped). Every other failure but the two below is retried with
    /// backoff, never thrown.
    /// - Throws: `ClientError` `.notEnrolled` or `.configuration`, after writing `stopped` to the status file.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await loop()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    private func loop() async throws {
        var failures = 0
        var status = (try? snapshot()) ?? SyncStatus(state: .idle, deviceName: "")
        while !isStopping {
            status.state = .syncing
            status.lastAttemptAt = now()
            let delay: Duration
            do {
                let report = try await round()
                failures = 0
                status = refreshed(status, state: .idle)
                status.lastSuccessAt = now()
                status.lastError = nil
                status.lastReport = report
                delay = timing.interval
                logger.info("sync round done", metadata: [
                    "pushed": "\(report.pushed)", "rejected": "\(report.rejected)", "pulled": "\(report.pulled)",
                    "conflicted": "\(report.conflicted.count)", "roundTrips": "\(report.roundTrips)"])
                if let problem = report.auditCheckpointProblem {
                    // The records synced; the server's signed audit head did not verify or went back (SPEC 8.7).
                    logger.error("the server's audit checkpoint was refused; it is kept as a warning in the store",
                                 metadata: ["problem": "\(problem.rawValue)"])
                }
            } catch let error as ClientError where error.code == .revoked {
                status.state = .revoked
                status.lastError = error.description
                write(status)
                logger.critical("device revoked: the store has been wiped; the daemon stops", metadata: ["reason": "\(error.message)"])
                return
            } catch let error as StoreError where error.code == .locked {
                // Not a failure: no backoff, no error; the next look for a sign-in is soon.
                failures = 0
                status = refreshed(status, state: .locked)
                status.lastError = nil
                delay = timing.lockedPoll
                logger.debug("nobody is signed in; waiting for a sign-in")
            } catch let error as ClientError where error.code == .notEnrolled || error.code == .configuration {
                // Retrying cannot help: a person must fix the configuration, then start the daemon again.
                status.state = .stopped
                status.lastError = error.description
                write(status)
                logger.critical("cannot sync until the configuration is fixed", metadata: ["error": "\(error.message)"])
                throw error
            } catch {
                failures += 1
                let retryAfter = (error as? ClientError)?.retryAfterSeconds
                let milliseconds = timing.backoff.delay(afterFailures: failures, retryAfterSeconds: retryAfter)
                delay = .milliseconds(milliseconds)
                status = refreshed(status, state: .backingOff)
                status.lastError = String(describing: error)
                logger.warning("sync round failed; backing off", metadata: [
                    "error": "\(error)", "failures": "\(failures)", "retryInMs": "\(milliseconds)"])
            }
            status.consecutiveFailures = failures
            status.nextAttemptAt = now() + delay.milliseconds
            write(status)
            // After a failure, local changes do not cut the wait short: the server is what we wait for.
            try await wait(delay, wakeable: failures == 0)
        }
        status.state = .stopped
        status.nextAttemptAt = nil
        write(status)
        logger.info("sync daemon stopped")
    }

    /// Sleeps `delay`, or until a local change when `wakeable`, or until `stop()`.
    private func wait(_ delay: Duration, wakeable: Bool) async throws {
        let sleep = self.sleep
        let wakeups = self.wakeups
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await sleep(delay) }
            group.addTask { [weak self] in
                for await _ in wakeups {
                    guard let self else { return }
                    if wakeable || self.isStopping { return }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func refreshed(_ status: SyncStatus, state: SyncStatus.State) -> SyncStatus {
        var next = (try? snapshot()) ?? status
        next.state = state
        next.lastAttemptAt = status.lastAttemptAt
        next.lastSuccessAt = status.lastSuccessAt
        next.lastReport = status.lastReport
        return next
    }

    private func write(_ status: SyncStatus) {
        guard let statusFile else { return }
        do { try status.write(to: statusFile) } catch {
            logger.error("cannot write the status file", metadata: ["path": "\(statusFile)", "error": "\(error)"])
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
