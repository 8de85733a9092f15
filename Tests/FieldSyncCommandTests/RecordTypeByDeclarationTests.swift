@testable import fieldsync
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// Issue 15, item 3: a record type is a declaration. The README's traffic ticket, declared here and
/// nowhere in Sources, goes through the terminal's store, the CLI, sync and the server, which holds its
/// ticket number (a unique field) to one ticket and to the issuing terminal's lease, as it does an
/// incident's receipt number.
@Suite struct RecordTypeByDeclarationTests {
    static let trafficTicket = RecordSchema(type: RecordType("trafficTicket"), version: 1, fields: [
        FieldSchema("ticketNumber", .text(maxLength: 32), .immutable, required: true, unique: true),
        FieldSchema("unit", .unit, .immutable, required: true, scope: true),
        FieldSchema("plate", .text(maxLength: 16), .lastWriterWins, required: true),
        FieldSchema("offenderNationalID", .nationalID, .lastWriterWins, sensitive: true),
        FieldSchema("remarks", .text(maxLength: 2_000), .appendLog, addendum: true),
    ])
    /// A deployment's registry: the standard types and its own.
    static let registry = SchemaRegistry(SchemaRegistry.standard.types.compactMap { SchemaRegistry.standard[$0] } + [trafficTicket])

    @Test func aDeclaredTicketGoesThroughStoreCLISyncAndServer() async throws {
        let cli = TerminalCommandTests()
        let server = try await TestServer.start(clock: TestClock(WallClock.milliseconds(Date())), registry: Self.registry)
        let (directory, pin) = try TerminalCommandTests.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await cli.configure(server, directory, name: "t1")
        let second = try await cli.configure(server, directory, name: "t2")
        let admin = ["--server", server.baseURL, "--admin-token", TestServer.adminToken, "--json"]
        let station = TerminalCommandTests.station.rawValue

        // The standard CLI knows no tickets: the type exists only where it is declared.
        #expect(await cli.status(["record", "add", "trafficTicket", "--config", first]) == CLIFailure.usage)

        let ticketID: String = try await FieldSyncCommand.$registry.withValue(Self.registry) {
            #expect(FieldSyncCommand.helpMessage(for: RecordCommand.Add.self, columns: 200).contains("trafficTicket"))
            for config in [first, second] {
                #expect(await cli.status(["officer", "add", "--first", "--officer", "KH1001", "--config", config, "--pin-file", pin]) == 0)
                #expect(await cli.status(["sync", "--config", config, "--json"]) == 0, "enrolled, with a receipt lease")
            }
            // No ticketNumber given: the store issues it from the lease, as it does an incident's receipt.
            #expect(await cli.status(["record", "add", "trafficTicket", "--config", first, "--json", "--set", "unit=\(station)",
                                      "--set", "plate=ABC-1234", "--set", "offenderNationalID=A123456789"]) == 0)
            #expect(await cli.status(["record", "list", "--type", "trafficTicket", "--config", first]) == 0)
            let store1 = try TerminalStore(path: directory.appendingPathComponent("t1.sqlite").path,
                                           access: .signIn(officer: OfficerID("KH1001"), passphrase: "2468-KH"),
                                           keys: StoreKeys(cost: .fast), registry: Self.registry)
            let ticket = try #require(try store1.records(RecordFilter(types: [Self.trafficTicket.type])).first)
            #expect(await cli.status(["record", "show", ticket.id.rawValue, "--config", first]) == 0)
            #expect(await cli.status(["record", "note", ticket.id.rawValue, "towed", "--field", "remarks", "--config", first]) == 0)
            #expect(await cli.status(["sync", "--config", first, "--json"]) == 0, "the server accepts the declared type")
            #expect(await cli.status(["sync", "--config", second, "--json"]) == 0)
            #expect(await cli.status(["history", ticket.id.rawValue, "--reason", "test"] + admin) == 0)

            let store2 = try TerminalStore(path: directory.appendingPathComponent("t2.sqlite").path,
                                           access: .signIn(officer: OfficerID("KH1001"), passphrase: "2468-KH"),
                                           keys: StoreKeys(cost: .fast), registry: Self.registry)
            let pulled = try #require(try store2.record(ticket.id), "the station's other terminal pulled the ticket")
            #expect(pulled["plate"]?.singleValue == .string("ABC-1234"))
            #expect(pulled["offenderNationalID"]?.singleValue == .string("A123456789"))
            #expect(pulled["remarks"] != nil)
            let number = try #require(ticket["ticketNumber"]?.singleValue?.stringValue)
            #expect(pulled["ticketNumber"]?.singleValue == .string(number))
            #expect(number.hasPrefix(station + "-"), "issued from the station's lease: \(number)")

            // The server holds the number to one ticket and to the lease: a second ticket claiming it, and
            // one with a number from no lease of this terminal, are refused and kept on the terminal.
            for claimed in [number, "KH.P03.S999-0000001"] {
                try store1.create(Self.trafficTicket.type, [.set("ticketNumber", .string(claimed)), .set("unit", .string(station)),
                                                            .set("plate", "XYZ-9")], by: OfficerID("KH1001"))
            }
            #expect(await cli.status(["sync", "--config", first, "--json"]) == CLIFailure.refused)
            let rejected = try store1.rejectedChanges()
            #expect(rejected.count == 2)
            #expect(rejected.allSatisfy { $0.rejection.code == .invalidValue && $0.rejection.fields == ["ticketNumber"] },
                    "\(rejected.map(\.rejection))")
            #expect(await cli.status(["audit", "verify"] + admin) == 0)
            return ticket.id.rawValue
        }
        #expect(await cli.status(["history", ticketID, "--reason", "test"] + admin) == 0)
        try await server.stop()
    }
}
