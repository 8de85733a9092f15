/// The scrypt cost of an officer's key-encryption key: N (`rounds`), r (`blockSize`), p (`parallelism`).
/// Memory is 128 · N · r bytes, so `standard` takes 32 MiB and ~0.1 s on a terminal's core: cheap once
/// per sign-in, and it makes each guess at a stolen keyring's PINs cost as much. Every officer's entry
/// in the keyring keeps the cost it was made with, so raising the default later breaks no sign-in.
public struct KeyDerivationCost: Hashable, Sendable, Codable, CustomStringConvertible {
    /// scrypt's N: a power of two above 1.
    public var rounds: Int
    /// scrypt's r: positive.
    public var blockSize: Int
    /// scrypt's p: positive.
    public var parallelism: Int

    /// A cost of N = `rounds`, r = `blockSize`, p = `parallelism`. Traps (precondition) when N is not a
    /// power of two above 1, or r or p is not positive (`ClientConfig.storeKeys()` checks configured
    /// values first).
    public init(rounds: Int, blockSize: Int = 8, parallelism: Int = 1) {
        precondition(rounds > 1 && rounds & (rounds - 1) == 0, "scrypt rounds (N) must be a power of two")
        precondition(blockSize > 0 && parallelism > 0, "scrypt r and p must be positive")
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// N = 2^15, r = 8, p = 1: 32 MiB, the cost scrypt's author recommends for interactive sign-in.
    public static let standard = KeyDerivationCost(rounds: 1 << 15)
    /// N = 2^10 (1 MiB, about a millisecond): for tests, the simulator, the demo and benchmarks only.
    /// Never for a store that holds real records.
    public static let fast = KeyDerivationCost(rounds: 1 << 10)

    /// 128 · N · r · p bytes: the memory one derivation takes with its p lanes side by side (32 MiB for
    /// `standard`).
    public var memoryBytes: Int { 128 * rounds * blockSize * parallelism }

    /// `scrypt N=… r=… p=…`.
    public var description: String { "scrypt N=\(rounds) r=\(blockSize) p=\(parallelism)" }
}
