/**
 * What login does with a typed password ($2) for a user ($1), run in the tiny guest: crypt it with the salt stored in
 * /etc/shadow and compare with the stored hash. Prints "accepted" or "refused".
 */
export const guestLoginScript = `hash=$(awk -F: -v user="$1" '$1 == user { print $2 }' /etc/shadow)
salt=$(echo "$hash" | cut -d'$' -f3)
[ -n "$salt" ] && [ "$(mkpasswd -m sha512 -S "$salt" "$2")" = "$hash" ] && echo accepted || echo refused`
