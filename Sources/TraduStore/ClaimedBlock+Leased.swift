import TraduCore

extension ClaimedBlock: Leased {}
