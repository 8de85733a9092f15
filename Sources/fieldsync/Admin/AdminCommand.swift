import ArgumentParser
import FieldSyncCore
import FieldSyncServer
import Foundation

/// `fieldsync admin ...`: enrollment tokens, devices, revocation and leases, over the admin API.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Enroll and revoke terminals, list devices, leases and overdue cases, purge records (server admin API).",
        subcommands: [Token.self, Enroll.self, Revoke.self, Devices.self, Leases.self, Roster.self, Cases.self, Purge.self])

    struct Roster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or show the officers whose writes a unit's terminals may carry.",
            discussion: """
                A terminal's pushes are refused (invalidValue) for writes by officers on none of the rosters of its \
                station and the units above it (station, precinct, bureau). A unit with no roster above it takes \
                any officer. `--set` replaces the unit's roster; `--set` with no --officer removes it. Terminals \
                learn their roster from the server (POST /v1/roster). Every change is audited.

                Examples:
                  fieldsync admin roster KH.P03.S012
                  fieldsync admin roster KH.P03.S012 --set --officer KH1001 --officer KH1002 --reason "shift roster"
                  fieldsync admin roster KH.P03 --set --reason "precinct rosters off"
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false
        @Argument(help: "The unit, e.g. KH.P03.S012 (a station) or KH.P03 (a precinct).") var unit: String
        @Flag(help: "Replace the unit's roster with the --officer options given.") var set = false
        @Option(name: .customLong("officer"), help: "A badge number to put on the roster (repeat for each).") var officers: [String] = []
        @Option(help: "Why (kept in the audit chain).") var reason: String?

        struct Body: Encodable {
            var officers: [String]
            var reason: String?
        }

        func validate() throws {
            if !set && !officers.isEmpty { throw ValidationError("--officer needs --set (the roster is replaced whole)") }
        }

        func run() async throws {
            let client = try admin.client()
            let path = "/roster/" + (unit.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? unit)
            let entries = set ? try await client.put(path, Body(officers: officers, reason: reason), as: [RosterEntry].self)
                              : try await client.get(path, as: [RosterEntry].self)
            if json { return try Output.json(entries) }
            if entries.isEmpty { return Output.lines(["\(unit) has no roster of its own."]) }
            Output.lines(["Roster of \(unit) (\(entries.count) officers):"] + Text.table(["officer", "since"], entries.map {
                [$0.officer.rawValue, Text.time($0.addedAt)]
            }))
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new administrator token and the verifier the server is configured with.",
            discussion: """
                Runs locally; nothing is sent anywhere. The token (256 random bits) goes to the administrators \
                (FIELDSYNC_ADMIN_TOKEN); the server keeps only the verifier, in admin.tokenHash or \
                FIELDSYNC_ADMIN_TOKEN_HASH. A server refuses to start with any other form of admin.tokenHash, \
                and no token but a generated one ever authenticates. To rotate, generate a new pair and \
                restart the server with the new verifier.

                Examples:
                  fieldsync admin token
                  fieldsync admin token --json
                """)

        @Flag(help: "Print JSON for scripts.") var json = false

        struct Generated: Encodable {
            var token: String
            var verifier: String
        }

        func run() throws {
            let generated = AdminToken.generate()
            if json { return try Output.json(Generated(token: generated.token, verifier: generated.verifier)) }
            Output.lines(["Administrator token (give it to the administrators; it is not stored anywhere):",
                          "  " + generated.token,
                          "Verifier (configure the server with it: admin.tokenHash or FIELDSYNC_ADMIN_TOKEN_HASH):",
                          "  " + generated.verifier])
        }
    }

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a one-time enrollment token for a terminal of a station.",
            discussion: """
                Put the token in the terminal's configuration (enrollmentToken); its first sync enrolls it.

                Examples:
                  FIELDSYNC_ADMIN_TOKEN=... fieldsync admin enroll --station KH.P03.S012
                  fieldsync admin enroll --station KH.P05.S031 --lifetime-hours 2 --json
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false
        @Option(help: "The station the terminal belongs to, e.g. KH.P03.S012.") var station: String
        @Option(help: "Hours until the token expires (server default: 24).") var lifetimeHours: Int64?

        struct Body: Encodable {
            var station: String
            var lifetimeSeconds: Int64?
        }

        func run() async throws {
            let issued = try await admin.client().post("/enrollment-tokens", Body(station: station, lifetimeSeconds: lifetimeHours.map { $0 * 3_600 }),
                                                       as: IssuedEnrollmentToken.self)
            if json { return try Output.json(issued) }
            Output.lines(["Enrollment token for \(issued.station.rawValue) (one use, expires \(Text.time(issued.expiresAt))):",
                          issued.token])
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a terminal: its next request fails and it wipes its store.",
            discussion: """
                Examples:
                  fieldsync admin revoke 3f2a9c... --reason "reported stolen"
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false
        @Argument(help: "The device's replica id (see `fieldsync admin devices`).") var replica: String
        @Option(help: "Why (kept in the audit chain).") var reason: String

        struct Body: Encodable { var reason: String }

        func run() async throws {
            let device = try await admin.client().post("/devices/\(replica)/revoke", Body(reason: reason), as: Device.self)
            if json { return try Output.json(device) }
            Output.lines(["Revoked \(device.name) (\(device.replica.rawValue)) of \(device.station.rawValue). "
                + "It wipes its store on its next contact with the server."])
        }
    }

    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List enrolled devices.",
            discussion: "Examples:\n  fieldsync admin devices\n  fieldsync admin devices --json | jq '.[].name'")

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let devices = try await admin.client().get("/devices", as: [Device].self)
            if json { return try Output.json(devices) }
            Output.lines(devices.isEmpty ? ["No devices enrolled."] : Text.table(
                ["name", "station", "enrolled", "revoked", "replica"],
                devices.map { [$0.name, $0.station.rawValue, Text.time($0.enrolledAt), $0.revokedAt.map(Text.time) ?? "-", $0.replica.rawValue] }))
        }
    }

    struct Leases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the blocks of incident receipt numbers leased to terminals.",
            discussion: "Examples:\n  fieldsync admin leases\n  fieldsync admin leases --json")

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let leases = try await admin.client().get("/leases", as: [LeaseGrant].self)
            if json { return try Output.json(leases) }
            Output.lines(leases.isEmpty ? ["No leases granted."] : Text.table(
                ["granted", "first", "last", "replica"],
                leases.map { [Text.time($0.grantedAt), $0.lease.receiptNumber($0.lease.first), $0.lease.receiptNumber($0.lease.last), $0.replica.rawValue] }))
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge a record at the end of its retention period (audited; cannot be undone).",
            discussion: """
                Records are voided, never deleted, in daily work; purging is the retention exception and \
                its reason goes into the audit chain.

                Examples:
                  fieldsync admin purge 0b7c... --reason "retention period ended (5 years)"
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false
        @Argument(help: "The record id.") var record: String
        @Option(help: "Why (kept in the audit chain).") var reason: String

        func run() async throws {
            try await admin.client().delete("/records/\(record)", query: [URLQueryItem(name: "reason", value: reason)])
            if json { return try Output.json(["purged": record]) }
            Output.lines(["Purged \(record). The audit chain records who did it and why."])
        }
    }
}
