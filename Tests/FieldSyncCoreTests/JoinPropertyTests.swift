import FieldSyncCore
import Testing

/// The join is a semilattice join on reachable states of every record type, and delivery order,
/// duplication and batching do not matter. Randomized, seeded: a failure names its replay command.
@Suite("Join properties")
struct JoinPropertyTests {
    static let schemas: [RecordSchema] = [.patrolSignIn, .householdVisit, .incidentReport]
    static let seeds = PropertySeeds.seeds(default: 60)

    static func history(_ schema: RecordSchema, seed: UInt64, replicas: Int = 3, steps: Int = 40) -> RandomHistory {
        var history = RandomHistory(schema: schema, replicaCount: replicas, seed: seed)
        history.run(steps: steps)
        return history
    }

    static func replay(_ seed: UInt64) -> Comment {
        "replay: FIELDSYNC_SEED=\(seed) swift test --filter JoinPropertyTests"
    }

    @Test("join is commutative, associative and idempotent", arguments: schemas.map(\.type))
    func semilattice(type: RecordType) {
        let schema = SchemaRegistry.standard[type]!
        for seed in Self.seeds {
            var history = Self.history(schema, seed: seed)
            let states = history.snapshots
            for _ in 0..<20 {
                let a = states.randomElement(using: &history.rng)!
                let b = states.randomElement(using: &history.rng)!
                let c = states.randomElement(using: &history.rng)!
                #expect(a.joined(with: b) == b.joined(with: a), Self.replay(seed))
                #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)), Self.replay(seed))
                #expect(a.joined(with: a) == a, Self.replay(seed))
                #expect(schema.wellFormednessProblem(of: a.joined(with: b)) == nil, Self.replay(seed))
            }
        }
    }

    @Test("any order, duplication and batching of delivery converges", arguments: schemas.map(\.type))
    func convergence(type: RecordType) {
        let schema = SchemaRegistry.standard[type]!
        for seed in Self.seeds {
            var history = Self.history(schema, seed: seed)
            let everything = history.snapshots.dropFirst().reduce(history.snapshots[0]) { $0.joined(with: $1) }
            for _ in 0..<4 {
                // Each receiver gets every state at least once, some twice, some pre-joined in batches.
                var deliveries = history.snapshots + history.snapshots.filter { _ in Bool.random(using: &history.rng) }
                deliveries.shuffle(using: &history.rng)
                var batched: [RecordState] = []
                while !deliveries.isEmpty {
                    let size = min(deliveries.count, Int.random(in: 1...4, using: &history.rng))
                    let batch = deliveries.prefix(size)
                    batched.append(batch.dropFirst().reduce(batch.first!) { $0.joined(with: $1) })
                    deliveries.removeFirst(size)
                }
                let received = batched.dropFirst().reduce(batched[0]) { $0.joined(with: $1) }
                #expect(received == everything, Self.replay(seed))
            }
        }
    }

    @Test("no write is lost: each value is present or replaced by a write that saw it", arguments: schemas.map(\.type))
    func noWriteLost(type: RecordType) {
        let schema = SchemaRegistry.standard[type]!
        for seed in Self.seeds {
            let history = Self.history(schema, seed: seed, replicas: 4, steps: 60)
            let final = history.snapshots.dropFirst().reduce(history.snapshots[0]) { $0.joined(with: $1) }
            for write in history.writes {
                for dot in write.dots { #expect(final.context.contains(dot), Self.replay(seed)) }
                let wrote = history.snapshots.first { $0.context.contains(write.dots.last!) }!
                for field in write.fields {
                    for dot in write.dots where wrote.entries(field).contains(where: { $0.dot == dot })
                        && !final.entries(field).contains(where: { $0.dot == dot }) {
                        let replacedBySomeoneWhoSaw = history.writes.contains {
                            $0.sawContext.contains(dot) && $0.fields.contains(field)
                        } || history.writes.contains {
                            // A set remove drops the element without holding a value of its own.
                            $0.sawContext.contains(dot) && schema.field(field)?.policy == .addWinsSet
                        }
                        #expect(replacedBySomeoneWhoSaw, "value \(dot) of \(field) vanished; \(Self.replay(seed))")
                    }
                }
            }
        }
    }

    @Test("a field written by only one side never conflicts", arguments: schemas.map(\.type))
    func oneSidedFieldsNeverConflict(type: RecordType) throws {
        let schema = SchemaRegistry.standard[type]!
        for seed in Self.seeds {
            var history = Self.history(schema, seed: seed, replicas: 1, steps: 5)
            guard let base = history.states[0], !schema.isLocked(base) else { continue }
            let singleValued = schema.fields.filter {
                ($0.policy == .lastWriterWins || $0.policy == .manual) && $0.changeLoggedIn == nil
            }
            let picked = singleValued.shuffled(using: &history.rng).prefix(2)
            guard picked.count == 2 else { continue }
            let (f, g) = (picked.first!, picked.last!)
            let stamp = HLCTimestamp(wall: history.now + 1)
            let a = try schema.apply([.set(f.name, history.sample(f.kind))], to: base,
                                     origin: WriteOrigin(replica: ReplicaID("A"), author: OfficerID("B1"), stamp: stamp))
            let b = try schema.apply([.set(g.name, history.sample(g.kind))], to: base,
                                     origin: WriteOrigin(replica: ReplicaID("B"), author: OfficerID("B2"), stamp: stamp))
            let joined = a.joined(with: b)
            #expect(joined.entries(f.name).count == 1 && joined.entries(g.name).count == 1, Self.replay(seed))
            #expect(schema.conflicts(in: joined) == nil, Self.replay(seed))
        }
    }
}

/// Guards the guard: the random histories must really contain concurrency, lifecycle moves and locks,
/// or the properties above would hold vacuously.
@Test("random histories exercise concurrency, lifecycles and locks")
func randomHistoriesAreNotVacuous() {
    var concurrent = 0, conflicted = 0, moved = 0, locked = 0
    for schema in JoinPropertyTests.schemas {
        for seed in JoinPropertyTests.seeds.prefix(20) {
            let history = JoinPropertyTests.history(schema, seed: seed)
            for state in history.snapshots {
                if let conflicts = schema.conflicts(in: state) {
                    concurrent += 1
                    if conflicts.needsPerson { conflicted += 1 }
                }
                if let (field, machine) = schema.lifecycle,
                   schema.effectiveValue(of: field, in: state)?.singleValue != .string(machine.initial) { moved += 1 }
                if schema.isLocked(state) { locked += 1 }
            }
        }
    }
    #expect(concurrent > 50)
    #expect(conflicted > 5)
    #expect(moved > 50)
    #expect(locked > 5)
}
