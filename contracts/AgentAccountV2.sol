// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The one ERC-721 call the account needs: who holds its token.
interface IERC721Owner {
    function ownerOf(uint256 tokenId) external view returns (address);
}

/// ERC-20 transfer, declared returning bool; tokens that return nothing are
/// handled by a low-level call in _transferToken.
interface IERC20Transfer {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// A smart-contract wallet for an AI agent, implementing the AgentAccountV2 ABI
/// (shared/agentaccountv2.md) that ClawPay's wallet tools call.
///
/// - Owned through an NFT: whoever holds (tokenContract, tokenId) is the owner,
///   so selling or moving the token moves the wallet.
/// - The agent key is an operator. Its payments run at once while they fit the
///   per-token spend policy (a per-transaction limit and a limit per period);
///   anything over is queued, never reverted, so the request exists on chain
///   for the owner to approve or cancel.
/// - Without a policy the limits are 0 and every operator payment is queued:
///   the wallet fails closed.
contract AgentAccountV2 {
    struct SpendPolicy {
        uint256 perTxLimit;
        uint256 periodLimit;
        uint256 periodLength; // seconds; 0 only while no policy was ever set
        uint256 periodSpent;
        uint256 periodStart;
    }

    /// A queued operator payment: an ETH call (token == 0: to, value, data) or
    /// an ERC-20 transfer (token, to, amount).
    struct PendingTx {
        address to;
        uint256 value;
        address token;
        uint256 amount;
        uint256 createdAt;
        bool executed;
        bool cancelled;
        bytes data;
    }

    /// The NFT that owns this wallet.
    address public immutable tokenContract;
    uint256 public immutable tokenId;

    /// How many transactions this wallet has executed (operator, owner or approved).
    uint256 public nonce;
    /// Bumped by revokeAllOperators: operators authorized in an earlier epoch are inactive.
    uint256 public operatorEpoch;
    /// The next txId; queued transactions are numbered from 0.
    uint256 public pendingNonce;
    /// operatorEpoch + 1 at the time the operator was authorized; 0 = never, or removed.
    mapping(address => uint256) public operators;
    /// Per token; address(0) is ETH.
    mapping(address => SpendPolicy) public spendPolicies;
    mapping(uint256 => PendingTx) private _pending;

    event TransactionExecuted(address indexed target, uint256 value, bytes data, address indexed executor);
    event TransactionQueued(uint256 indexed txId, address indexed to, uint256 value, address token, uint256 amount);
    event TransactionApproved(uint256 indexed txId);
    event TransactionCancelled(uint256 indexed txId);
    event SpendPolicyUpdated(address indexed token, uint256 perTxLimit, uint256 periodLimit, uint256 periodLength);
    event OperatorUpdated(address indexed operator, bool authorized);
    /// Not in the reference ABI: revokeAllOperators is this implementation's addition.
    event OperatorsRevoked(uint256 operatorEpoch);

    error NotOwner();
    error NotOperator();
    error NoTokenContract(address tokenContract);
    error InvalidPeriodLength();
    error InvalidToken();
    /// An operator may not call a policed token with raw data: that would move
    /// it around its spend policy. agentTransferToken is the way.
    error UseAgentTransferToken();
    error UnknownTransaction(uint256 txId);
    error AlreadyExecuted(uint256 txId);
    error AlreadyCancelled(uint256 txId);
    /// A call that failed without revert data of its own.
    error CallFailed(address target);
    error TokenTransferFailed(address token);

    /// Refuses an address without code: no one could ever prove ownership of
    /// such a wallet, so anything sent to it would be lost.
    constructor(address nftContract, uint256 nftTokenId) {
        if (nftContract.code.length == 0) revert NoTokenContract(nftContract);
        tokenContract = nftContract;
        tokenId = nftTokenId;
    }

    receive() external payable {}

    // ---------------------------------------------------------------- roles

    /// The holder of the NFT. Reverts when the token does not exist (burnt),
    /// which leaves owner-only functions unusable rather than open.
    function owner() public view returns (address) {
        return IERC721Owner(tokenContract).ownerOf(tokenId);
    }

    modifier onlyOwner() {
        if (msg.sender != owner()) revert NotOwner();
        _;
    }

    modifier onlyOperator() {
        if (!isOperatorActive(msg.sender)) revert NotOperator();
        _;
    }

    function isOperatorActive(address operator) public view returns (bool) {
        return operators[operator] == operatorEpoch + 1;
    }

    function setOperator(address operator, bool authorized) external onlyOwner {
        operators[operator] = authorized ? operatorEpoch + 1 : 0;
        emit OperatorUpdated(operator, authorized);
    }

    /// One transaction that deactivates every operator, for when the owner
    /// does not know every key that was ever authorized (a leaked agent key).
    function revokeAllOperators() external onlyOwner {
        operatorEpoch += 1;
        emit OperatorsRevoked(operatorEpoch);
    }

    // ---------------------------------------------------------------- spend policy

    /// periodSpent and periodStart survive a change of limits, so changing a
    /// policy does not forgive what the operator already spent in this period.
    function setSpendPolicy(address token, uint256 perTxLimit, uint256 periodLimit, uint256 periodLength)
        external
        onlyOwner
    {
        if (periodLength == 0) revert InvalidPeriodLength();
        SpendPolicy storage policy = spendPolicies[token];
        policy.perTxLimit = perTxLimit;
        policy.periodLimit = periodLimit;
        policy.periodLength = periodLength;
        if (policy.periodStart == 0) policy.periodStart = block.timestamp;
        emit SpendPolicyUpdated(token, perTxLimit, periodLimit, periodLength);
    }

    /// What an operator may spend now: per transaction, and in the rest of the
    /// period (as if a period that has run out had already restarted).
    function remainingBudget(address token) external view returns (uint256 perTx, uint256 inPeriod) {
        SpendPolicy storage policy = spendPolicies[token];
        uint256 spent = _periodOver(policy) ? 0 : policy.periodSpent;
        // Saturating: the owner may lower the limit below what was already spent.
        inPeriod = policy.periodLimit > spent ? policy.periodLimit - spent : 0;
        perTx = policy.perTxLimit;
    }

    // Written as a difference, not periodStart + periodLength, so a huge
    // periodLength ("never resets") cannot overflow and brick the wallet.
    function _periodOver(SpendPolicy storage policy) private view returns (bool) {
        return policy.periodLength != 0 && block.timestamp - policy.periodStart >= policy.periodLength;
    }

    function _isPoliced(address token) private view returns (bool) {
        SpendPolicy storage policy = spendPolicies[token];
        // periodLength counts too: a policy of 0/0 is the owner freezing the token.
        return policy.perTxLimit != 0 || policy.periodLimit != 0 || policy.periodLength != 0;
    }

    /// Accounts `amount` against the token's policy if it fits; false (and no
    /// accounting) if it does not. Never reverts: an over-limit payment queues.
    function _spend(address token, uint256 amount) private returns (bool) {
        SpendPolicy storage policy = spendPolicies[token];
        if (_periodOver(policy)) {
            policy.periodStart = block.timestamp;
            policy.periodSpent = 0;
        }
        uint256 spent = policy.periodSpent;
        uint256 limit = policy.periodLimit;
        if (amount > policy.perTxLimit || spent > limit || amount > limit - spent) return false;
        policy.periodSpent = spent + amount;
        return true;
    }

    // ---------------------------------------------------------------- operator

    /// An ETH payment or a call. Within the ETH policy it runs now and returns
    /// the call's return data; otherwise it is queued and returns nothing.
    function agentExecute(address to, uint256 value, bytes calldata data)
        external
        payable
        onlyOperator
        returns (bytes memory)
    {
        // address(0) is the ETH policy's key, not a token.
        if (data.length != 0 && to != address(0) && _isPoliced(to)) revert UseAgentTransferToken();
        // A call with data can move what no policy measures (an unpoliced
        // token, an NFT, an approval) even at zero value, so the operator may
        // only make plain ETH payments alone; every call with data waits for
        // the owner. Its ETH value is not counted against the period then,
        // like every approved transaction.
        if (data.length != 0) {
            _queue(to, value, data, address(0), 0);
            return "";
        }
        if (!_spend(address(0), value)) {
            _queue(to, value, data, address(0), 0);
            return "";
        }
        nonce += 1;
        bytes memory result = _call(to, value, data);
        emit TransactionExecuted(to, value, data, msg.sender);
        return result;
    }

    function agentTransferToken(address token, address to, uint256 amount) external onlyOperator {
        // address(0) is ETH: agentExecute pays it.
        if (token == address(0)) revert InvalidToken();
        if (!_spend(token, amount)) {
            _queue(to, 0, "", token, amount);
            return;
        }
        nonce += 1;
        _transferToken(token, to, amount);
        emit TransactionExecuted(token, 0, abi.encodeCall(IERC20Transfer.transfer, (to, amount)), msg.sender);
    }

    function _queue(address to, uint256 value, bytes memory data, address token, uint256 amount) private {
        uint256 txId = pendingNonce++;
        PendingTx storage pending = _pending[txId];
        pending.to = to;
        pending.value = value;
        pending.token = token;
        pending.amount = amount;
        pending.createdAt = block.timestamp;
        if (data.length != 0) pending.data = data;
        emit TransactionQueued(txId, to, value, token, amount);
    }

    // ---------------------------------------------------------------- queue

    function getPending(uint256 txId)
        external
        view
        returns (
            address to,
            uint256 value,
            address token,
            uint256 amount,
            uint256 createdAt,
            bool executed,
            bool cancelled
        )
    {
        if (txId >= pendingNonce) revert UnknownTransaction(txId);
        PendingTx storage pending = _pending[txId];
        return (
            pending.to,
            pending.value,
            pending.token,
            pending.amount,
            pending.createdAt,
            pending.executed,
            pending.cancelled
        );
    }

    /// Not in the reference ABI: the call data of a queued call, so the owner
    /// can see what an approval would run (getPending does not carry it).
    function getPendingData(uint256 txId) external view returns (bytes memory) {
        if (txId >= pendingNonce) revert UnknownTransaction(txId);
        return _pending[txId].data;
    }

    /// Runs a queued transaction. It does not count against the period: the
    /// owner is sovereign over the wallet, and the limits bound the operator.
    function approvePending(uint256 txId) external onlyOwner {
        PendingTx storage pending = _requirePending(txId);
        // Marked before the external call, so a re-entrant approve of the same
        // txId finds it executed.
        pending.executed = true;
        nonce += 1;
        address target;
        uint256 value;
        bytes memory data;
        if (pending.token == address(0)) {
            (target, value, data) = (pending.to, pending.value, pending.data);
            _call(target, value, data);
        } else {
            target = pending.token;
            data = abi.encodeCall(IERC20Transfer.transfer, (pending.to, pending.amount));
            _transferToken(target, pending.to, pending.amount);
        }
        emit TransactionApproved(txId);
        emit TransactionExecuted(target, value, data, msg.sender);
    }

    function cancelPending(uint256 txId) external onlyOwner {
        _requirePending(txId).cancelled = true;
        emit TransactionCancelled(txId);
    }

    function _requirePending(uint256 txId) private view returns (PendingTx storage pending) {
        if (txId >= pendingNonce) revert UnknownTransaction(txId);
        pending = _pending[txId];
        if (pending.executed) revert AlreadyExecuted(txId);
        if (pending.cancelled) revert AlreadyCancelled(txId);
    }

    // ---------------------------------------------------------------- owner

    function execute(address to, uint256 value, bytes calldata data) external onlyOwner {
        nonce += 1;
        _call(to, value, data);
        emit TransactionExecuted(to, value, data, msg.sender);
    }

    // ---------------------------------------------------------------- calls

    function _call(address to, uint256 value, bytes memory data) private returns (bytes memory result) {
        bool ok;
        (ok, result) = to.call{value: value}(data);
        if (!ok) {
            if (result.length == 0) revert CallFailed(to);
            assembly {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// ERC-20 transfer that accepts tokens returning nothing (USDT-style) but
    /// not an address without code, whose call would "succeed" silently.
    function _transferToken(address token, address to, uint256 amount) private {
        (bool ok, bytes memory result) = token.call(abi.encodeCall(IERC20Transfer.transfer, (to, amount)));
        if (!ok) {
            if (result.length == 0) revert TokenTransferFailed(token);
            assembly {
                revert(add(result, 0x20), mload(result))
            }
        }
        bool accepted = result.length == 0 ? token.code.length != 0 : result.length >= 32 && abi.decode(result, (uint256)) == 1;
        if (!accepted) revert TokenTransferFailed(token);
    }
}
