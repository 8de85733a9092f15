import FieldSyncCore

/// The outcome of a successful enrollment.
public struct Enrollment: Sendable {
    public var device: Device
    public var lease: ReceiptLease

    public init(device: Device, lease: ReceiptLease) {
        self.device = device
        self.lease = lease
    }
}
