// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Secp256k1
/// @notice The few curve facts the router needs: is a point on the curve, and rebuild y from x.
/// @dev The router stores a key as its x coordinate plus the parity of y (y is derived again on
/// read), which saves one storage slot per registered key.
library Secp256k1 {
    /// @dev The field prime p of secp256k1.
    uint256 internal constant P =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    /// @dev (p + 1) / 4: because p ≡ 3 (mod 4), a^((p+1)/4) is a square root of a when one exists.
    uint256 private constant SQRT_EXPONENT =
        0x3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFBFFFFF0C;
    /// @dev The modexp precompile (EIP-198).
    uint256 private constant MODEXP = 0x05;

    /// @notice The modexp precompile failed (it never does on a conforming EVM).
    error ModexpFailed();

    /// @notice Whether (x, y) is a point of y² = x³ + 7 over F_p (the point at infinity is not).
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P || y >= P) return false;
        return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
    }

    /// @notice The y coordinate with the given parity of the curve point with x coordinate `x`.
    /// @dev Only called for x coordinates of points that were checked with {isOnCurve}.
    function deriveY(uint256 x, bool yIsOdd) internal view returns (uint256 y) {
        uint256 rhs = addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
        y = _modexp(rhs, SQRT_EXPONENT);
        if ((y & 1 == 1) != yIsOdd) y = P - y;
    }

    function _modexp(uint256 base, uint256 exponent) private view returns (uint256 result) {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), 0x20)
            mstore(add(ptr, 0x40), 0x20)
            mstore(add(ptr, 0x60), base)
            mstore(add(ptr, 0x80), exponent)
            mstore(add(ptr, 0xa0), P)
            ok := staticcall(gas(), MODEXP, ptr, 0xc0, ptr, 0x20)
            result := mload(ptr)
        }
        if (!ok) revert ModexpFailed();
    }
}
