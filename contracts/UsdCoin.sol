// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A stand-in for USDC on a local chain: an ERC-20 with 6 decimals, an owner
/// who mints, and EIP-3009 transfers by signed authorization under the same
/// EIP-712 domain as USDC ("USD Coin", version "2"), so x402 clients and
/// facilitators treat it exactly as they treat the real token. The name is
/// the deployer's choice: Base Sepolia's USDC signs as "USDC", so the devnet's
/// stand-in at that address must too (lib/devnet/canonical_usdc.js).
///
/// Revert reasons are plain strings chosen to match what the x402 EVM
/// facilitator looks for when it classifies a failed settlement
/// (parseEip3009TransferError in the x402 evm package): "authorization is expired",
/// "authorization is not yet valid", "authorization is used or canceled",
/// "transfer amount exceeds balance", "invalid signature".
contract UsdCoin {
    string public constant symbol = "USDC";
    uint8 public constant decimals = 6;
    /// EIP-712 domain version; USDC's FiatTokenV2 exposes it as version().
    string public constant version = "2";

    bytes32 private constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

    /// Upper bound for s (secp256k1 n / 2): a signature and its high-s twin
    /// both recover the same address, so only the low form is accepted.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

    address public owner;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    /// authorizer => nonce => used or canceled
    mapping(address => mapping(bytes32 => bool)) private _authorizationUsed;
    /// EIP-712 domain name; last of the storage slots (slot 5), so the layout
    /// above is unchanged.
    string public name;

    // The separator is cached for the deployment chain and address, and
    // recomputed if either differs (a fork, or this code placed at another
    // address), so old signatures cannot cross chains or contracts.
    uint256 private immutable _deployChainId;
    address private immutable _deployAddress;
    bytes32 private immutable _deployDomainSeparator;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    constructor(string memory name_) {
        require(bytes(name_).length > 0 && bytes(name_).length < 32, "UsdCoin: name must be 1 to 31 bytes");
        owner = msg.sender;
        name = name_;
        _deployChainId = block.chainid;
        _deployAddress = address(this);
        _deployDomainSeparator = _domainSeparator();
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // ---------------------------------------------------------------- owner

    modifier onlyOwner() {
        require(msg.sender == owner, "UsdCoin: caller is not the owner");
        _;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        require(to != address(0), "UsdCoin: mint to the zero address");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "UsdCoin: new owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ---------------------------------------------------------------- ERC-20

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        require(spender != address(0), "UsdCoin: approve to the zero address");
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "UsdCoin: transfer amount exceeds allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) private {
        require(from != address(0), "UsdCoin: transfer from the zero address");
        require(to != address(0), "UsdCoin: transfer to the zero address");
        uint256 fromBalance = balanceOf[from];
        require(fromBalance >= value, "UsdCoin: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = fromBalance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    // ---------------------------------------------------------------- EIP-712

    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return block.chainid == _deployChainId && address(this) == _deployAddress
            ? _deployDomainSeparator
            : _domainSeparator();
    }

    /// EIP-5267: lets wallets and libraries discover the signing domain.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory domainName,
            string memory domainVersion,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        // 0x0f: name, version, chainId and verifyingContract are present.
        return (hex"0f", name, version, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), block.chainid, address(this)
            )
        );
    }

    function _typedDataHash(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", DOMAIN_SEPARATOR(), structHash));
    }

    // ---------------------------------------------------------------- EIP-3009

    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationUsed[authorizer][nonce];
    }

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v));
    }

    /// The form for signatures that are not a bare (v, r, s): the x402
    /// facilitator sends anything but a 65-byte signature here (ERC-1271
    /// smart wallets), and 65-byte signatures are accepted too.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, signature);
    }

    /// Like transferWithAuthorization, but only the payee may submit it, so a
    /// front-runner cannot make the transfer happen outside the payee's own
    /// transaction (e.g. before a deposit contract is ready for it).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _receiveWithAuthorization(from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v));
    }

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        _receiveWithAuthorization(from, to, value, validAfter, validBefore, nonce, signature);
    }

    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    function cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) external {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    function _transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        _requireUsable(from, nonce, validAfter, validBefore);
        bytes32 structHash = keccak256(
            abi.encode(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce)
        );
        _requireSignedBy(from, _typedDataHash(structHash), signature);
        _markUsed(from, nonce);
        _transfer(from, to, value);
    }

    function _receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        require(msg.sender == to, "UsdCoin: caller must be the payee");
        _requireUsable(from, nonce, validAfter, validBefore);
        bytes32 structHash = keccak256(
            abi.encode(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce)
        );
        _requireSignedBy(from, _typedDataHash(structHash), signature);
        _markUsed(from, nonce);
        _transfer(from, to, value);
    }

    function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) private {
        require(!_authorizationUsed[authorizer][nonce], "UsdCoin: authorization is used or canceled");
        bytes32 structHash = keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce));
        _requireSignedBy(authorizer, _typedDataHash(structHash), signature);
        _authorizationUsed[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    function _requireUsable(address authorizer, bytes32 nonce, uint256 validAfter, uint256 validBefore)
        private
        view
    {
        require(block.timestamp > validAfter, "UsdCoin: authorization is not yet valid");
        require(block.timestamp < validBefore, "UsdCoin: authorization is expired");
        require(!_authorizationUsed[authorizer][nonce], "UsdCoin: authorization is used or canceled");
    }

    function _markUsed(address authorizer, bytes32 nonce) private {
        _authorizationUsed[authorizer][nonce] = true;
        emit AuthorizationUsed(authorizer, nonce);
    }

    // ---------------------------------------------------------------- signatures

    /// An ECDSA signature by the signer's key, or, for a contract signer (a
    /// smart wallet), its ERC-1271 approval. A contract signer may still sign
    /// with a key (an EOA with EIP-7702 delegated code), so ECDSA is tried
    /// first for it too, but quietly: its wallet may use 65-byte signatures
    /// that are not ECDSA at all.
    function _requireSignedBy(address signer, bytes32 digest, bytes memory signature) private view {
        require(signer != address(0), "UsdCoin: invalid signature (zero signer)");
        if (signer.code.length == 0) {
            require(signature.length == 65, "UsdCoin: invalid signature length");
            (address recovered, string memory failure) = _recover(digest, signature);
            require(bytes(failure).length == 0, failure);
            require(recovered == signer, "UsdCoin: invalid signature");
            return;
        }
        if (signature.length == 65) {
            (address recovered, string memory failure) = _recover(digest, signature);
            if (bytes(failure).length == 0 && recovered == signer) return;
        }
        (bool ok, bytes memory result) = signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, digest, signature));
        require(
            ok && result.length >= 32 && abi.decode(result, (bytes4)) == ERC1271_MAGIC,
            "UsdCoin: invalid signature (rejected by ERC-1271 wallet)"
        );
    }

    /// ecrecover with the malleability checks it lacks. Returns the reason a
    /// signature is malformed instead of reverting, so the caller decides.
    function _recover(bytes32 digest, bytes memory signature)
        private
        pure
        returns (address signer, string memory failure)
    {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > HALF_ORDER) return (address(0), "UsdCoin: invalid signature 's' value");
        if (v != 27 && v != 28) return (address(0), "UsdCoin: invalid signature 'v' value");
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) return (address(0), "UsdCoin: invalid signature");
    }
}
