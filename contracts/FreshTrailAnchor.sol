// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.37;

/// @title FreshTrail epoch anchor
/// @notice Stores the hash of each signed epoch head of a FreshTrail ingest, one epoch after
/// the other (1, 2, 3, ...). The head itself (epoch, tree size, Merkle root, previous head hash)
/// stays off-chain in the evidence bundles; this contract only proves when a head existed.
/// @dev Kept minimal for gas (docs/anchoring.md): one new slot and one event per anchor. The
/// head hash is stored, not only logged, because nodes may prune receipts older than a year
/// (EIP-4444) while storage stays readable by eth_call.
contract FreshTrailAnchor {
    /// @notice The only account allowed to anchor. Packed with latestEpoch in slot 0, so an
    /// anchor call reads one slot for both checks and writes it once.
    address public anchorer;
    /// @notice The last anchored epoch; 0 before the first anchor.
    uint64 public latestEpoch;
    /// @notice Head hash per epoch; bytes32(0) for an epoch not anchored (yet).
    mapping(uint64 epoch => bytes32 headHash) public heads;

    /// @notice One epoch head anchored. leafCount is logged only: the head hash commits to
    /// the tree size already.
    event Anchored(uint64 indexed epoch, bytes32 headHash, uint32 leafCount);
    event AnchorerTransferred(address indexed previousAnchorer, address indexed newAnchorer);

    /// @notice The caller is not the anchorer.
    error NotAnchorer(address caller, address anchorer);
    /// @notice Epochs are strictly sequential: `expected` is latestEpoch + 1.
    error UnexpectedEpoch(uint64 expected, uint64 given);
    /// @notice A zero head hash would read back as "not anchored".
    error ZeroHeadHash();
    /// @notice The anchorer cannot be the zero address (nobody could anchor again).
    error ZeroAnchorer();

    constructor(address initialAnchorer) {
        if (initialAnchorer == address(0)) revert ZeroAnchorer();
        anchorer = initialAnchorer;
        emit AnchorerTransferred(address(0), initialAnchorer);
    }

    /// @notice Anchors the head hash of `epoch`, which must be latestEpoch + 1.
    function anchor(uint64 epoch, bytes32 headHash, uint32 leafCount) external {
        if (msg.sender != anchorer) revert NotAnchorer(msg.sender, anchorer);
        uint64 expected = latestEpoch + 1;
        if (epoch != expected) revert UnexpectedEpoch(expected, epoch);
        if (headHash == bytes32(0)) revert ZeroHeadHash();
        latestEpoch = epoch;
        heads[epoch] = headHash;
        emit Anchored(epoch, headHash, leafCount);
    }

    /// @notice Hands the anchorer role to `newAnchorer` (e.g. to rotate the ingest's hot key).
    function transferAnchorer(address newAnchorer) external {
        if (msg.sender != anchorer) revert NotAnchorer(msg.sender, anchorer);
        if (newAnchorer == address(0)) revert ZeroAnchorer();
        anchorer = newAnchorer;
        emit AnchorerTransferred(msg.sender, newAnchorer);
    }
}
