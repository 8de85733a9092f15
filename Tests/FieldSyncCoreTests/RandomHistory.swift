import FieldSyncTestSupport
import FieldSyncCore

/// A random but valid history of one record: several replicas write through the real core
/// (`create`/`apply`, so every write passes validation) and exchange states by the real join.
/// Every state any replica ever held is kept, and so is every write with the context it saw.
struct RandomHistory {
    struct Write {
        /// The write's dots: one, plus one per further value added to the same set or log.
        var dots: [Dot]
        /// The writer's context before the write: what the write could have seen and replaced.
        var sawContext: VersionVector
        var fields: Set<String>
    }

    let schema: RecordSchema
    var replicas: [ReplicaID]
    var states: [RecordState?]
    var snapshots: [RecordState] = []
    var writes: [Write] = []
    var rng: SeededRandom
    var now: Int64 = 1_763_900_000_000

    init(schema: RecordSchema, replicaCount: Int, seed: UInt64) {
        self.schema = schema
        self.replicas = (0..<replicaCount).map { ReplicaID("T\($0 + 1)") }
        self.states = Array(repeating: nil, count: replicaCount)
        self.rng = SeededRandom(seed: seed)
    }

    /// Runs `steps` random steps: writes (mostly) and joins between replicas.
    mutating func run(steps: Int) {
        let id = RecordID("rec-\(rng.next() % 1000)")
        let creator = Int.random(in: 0..<replicas.count, using: &rng)
        let created = try! schema.create(id: id, creationOperations(), origin: origin(creator))
        record(write: created, before: nil, replica: creator)
        for _ in 0..<steps {
            let replica = Int.random(in: 0..<replicas.count, using: &rng)
            if states[replica] == nil || Int.random(in: 0..<3, using: &rng) == 0 {
                let source = Int.random(in: 0..<replicas.count, using: &rng)
                guard let incoming = states[source] else { continue }
                let joined = states[replica].map { $0.joined(with: incoming) } ?? incoming
                states[replica] = joined
                snapshots.append(joined)
            } else {
                let before = states[replica]!
                let operations = randomOperations(on: before)
                guard let after = try? schema.apply(operations, to: before, origin: origin(replica)) else { continue }
                record(write: after, before: before, replica: replica)
            }
        }
    }

    private mutating func record(write after: RecordState, before: RecordState?, replica: Int) {
        let id = replicas[replica]
        let dots = ((before?.context[id] ?? 0) + 1...after.context[id]).map { Dot(id, $0) }
        let touched = Set(after.fields.compactMap { name, entries in entries.contains { dots.contains($0.dot) } ? name : nil })
        writes.append(Write(dots: dots, sawContext: before?.context ?? VersionVector(), fields: touched))
        states[replica] = after
        snapshots.append(after)
    }

    private mutating func origin(_ replica: Int) -> WriteOrigin {
        now += Int64.random(in: -5_000...60_000, using: &rng)  // clocks disagree and jump back
        let stamp = HLCTimestamp(wall: now, logical: UInt32.random(in: 0...2, using: &rng))
        return WriteOrigin(replica: replicas[replica], author: OfficerID("B\(100 + replica)"), stamp: stamp)
    }

    private mutating func creationOperations() -> [FieldOperation] {
        var operations: [FieldOperation] = []
        for field in schema.fields where field.required { operations.append(.set(field.name, sample(field.kind))) }
        return operations
    }

    private mutating func randomOperations(on state: RecordState) -> [FieldOperation] {
        var operations: [FieldOperation] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let field = schema.fields.randomElement(using: &rng)!
            switch field.policy {
            case .addWinsSet:
                let existing = state.entries(field.name).map(\.value)
                if let element = existing.randomElement(using: &rng), Bool.random(using: &rng) {
                    operations.append(.remove(field.name, element))
                } else {
                    operations.append(.add(field.name, sample(field.kind)))
                }
            case .appendLog:
                operations.append(.append(field.name, sample(field.kind)))
            case .lifecycle(let machine):
                let current = schema.effectiveValue(of: field.name, in: state)?.singleValue?.stringValue ?? machine.initial
                let next = (machine.transitions[current] ?? []).sorted().randomElement(using: &rng) ?? current
                operations.append(.set(field.name, .string(next)))
                // Supply what entering the state requires, so lifecycles actually move.
                for required in machine.requirements[next] ?? [] {
                    let kind = schema.field(required)!.kind
                    if case .appendLog = schema.field(required)!.policy {
                        operations.append(.append(required, sample(kind)))
                    } else {
                        operations.append(.set(required, sample(kind)))
                    }
                }
            default:
                operations.append(.set(field.name, sample(field.kind)))
                if let log = field.changeLoggedIn { operations.append(.append(log, sample(schema.field(log)!.kind))) }
            }
        }
        return operations
    }

    /// A random valid value of `kind`, drawn from a small pool so that equal values recur.
    mutating func sample(_ kind: ValueKind) -> FieldValue {
        switch kind {
        case .text: return .string(["alpha", "bravo", "charlie", "delta", "echo"].randomElement(using: &rng)!)
        case .code(let codes): return .string(codes.randomElement(using: &rng)!)
        case .integer(let range):
            return .int(Int64.random(in: range.lowerBound...min(range.upperBound, range.lowerBound + 5), using: &rng))
        case .timestamp: return .int(1_763_900_000_000 + Int64.random(in: 0...9, using: &rng) * 60_000)
        case .bool: return .bool(Bool.random(using: &rng))
        case .unit: return .string(["KH.P03.S012", "KH.P03.S014", "KH.P05.S001"].randomElement(using: &rng)!)
        case .officer: return .string(["B100", "B101", "B102"].randomElement(using: &rng)!)
        case .nationalID: return .string(["A123456789", "F223456780"].randomElement(using: &rng)!)
        case .phone: return .string(["0912-345-678", "07-1234567"].randomElement(using: &rng)!)
        case .contentHash:
            return .string("sha256:" + String(repeating: ["a", "b", "c"].randomElement(using: &rng)!, count: 64))
        case .list(let element, _): return .list([sample(element)])
        case .object(let members, let required):
            var object: [String: FieldValue] = [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) where required.contains(key) || Bool.random(using: &rng) {
                object[key] = sample(member)
            }
            return .object(object)
        }
    }
}
