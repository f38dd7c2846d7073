"""The hosted page's words in the buyer's language (the ``locale`` of the checkout session).

Like a real provider, the merchant says which language the buyer came with;
an unknown or missing one gives English. The card checks' messages
(cards.py) are the English keys of ``FR``.
"""
LOCALES = ("en", "fr")

PAGE = {
    "en": {
        "pay_to": "Pay {amount} to {merchant}", "pay": "Pay {merchant}", "pay_button": "Pay {amount}",
        "cancel": "Cancel", "check": "Please check the card details.", "holder": "Name on card",
        "number": "Card number", "expiry": "Expiry (MM/YY)", "expiry_placeholder": "MM/YY",
        "cvc": "Security code", "secure": "Card details go to sandboxpay only; {merchant} never sees them.",
        "paid_title": "Payment received",
        "paid": "This order has already been paid ({amount}, {brand} ending in {last4}). It cannot be paid again.",
        "back_to": "Return to {merchant}", "declined_title": "Payment declined",
        "declined": "No money was taken. You can return to {merchant} and try again, possibly with another card.",
        "canceled_title": "Payment canceled", "no_money": "No money was taken.",
        "expired_title": "Payment page expired",
        "expired": "This payment page is no longer valid. No money was taken.",
        "not_found_title": "Payment page not found",
        "not_found": "This payment link is not valid. Go back to the shop and start the payment again.",
        "test_title": "Test mode: no real card is charged",
        "test_help": "Use any name, any future expiry date and any 3-digit code (4 for Amex) with:",
        "test_other": "Any other number that passes the Luhn check succeeds.",
    },
    "fr": {
        "pay_to": "Payer {amount} à {merchant}", "pay": "Payer {merchant}", "pay_button": "Payer {amount}",
        "cancel": "Annuler", "check": "Vérifiez les informations de la carte.", "holder": "Nom sur la carte",
        "number": "Numéro de carte", "expiry": "Date d'expiration (MM/AA)", "expiry_placeholder": "MM/AA",
        "cvc": "Cryptogramme", "secure": "Les données de la carte ne vont qu'à sandboxpay ; {merchant} ne les voit jamais.",
        "paid_title": "Paiement reçu",
        "paid": "Cette commande est déjà payée ({amount}, {brand} se terminant par {last4}). Elle ne peut pas être payée à nouveau.",
        "back_to": "Revenir sur {merchant}", "declined_title": "Paiement refusé",
        "declined": "Aucun montant n'a été prélevé. Vous pouvez revenir sur {merchant} et réessayer, avec une autre carte si besoin.",
        "canceled_title": "Paiement annulé", "no_money": "Aucun montant n'a été prélevé.",
        "expired_title": "Page de paiement expirée",
        "expired": "Cette page de paiement n'est plus valable. Aucun montant n'a été prélevé.",
        "not_found_title": "Page de paiement introuvable",
        "not_found": "Ce lien de paiement n'est pas valable. Revenez sur la boutique et recommencez le paiement.",
        "test_title": "Mode test : aucune vraie carte n'est débitée",
        "test_help": "Utilisez n'importe quel nom, une date d'expiration future et un code à 3 chiffres (4 pour Amex) avec :",
        "test_other": "Tout autre numéro qui passe le contrôle de Luhn est accepté.",
    },
}

#: The card checks' and the declines' messages, in French.
FR = {
    "Enter the name printed on the card.": "Saisissez le nom inscrit sur la carte.",
    "The name is too long.": "Le nom est trop long.",
    "Enter the card number.": "Saisissez le numéro de la carte.",
    "The card number is not valid.": "Le numéro de carte n'est pas valable.",
    "The card number is not valid (check the digits).": "Le numéro de carte n'est pas valable (vérifiez les chiffres).",
    "Enter the expiry date (MM/YY).": "Saisissez la date d'expiration (MM/AA).",
    "The expiry date must look like MM/YY.": "La date d'expiration s'écrit MM/AA.",
    "The card has expired.": "La carte a expiré.",
    "The expiry date is too far in the future.": "La date d'expiration est trop lointaine.",
    "Enter the security code.": "Saisissez le cryptogramme.",
    "The security code is 3 or 4 digits.": "Le cryptogramme a 3 ou 4 chiffres.",
    "Your card was declined.": "Votre carte a été refusée.",
    "Your card has insufficient funds.": "Le solde de votre carte est insuffisant.",
}


def locale_of(value) -> str:
    """``fr``, ``fr-FR``, ``fr_FR`` → ``fr``; anything else → ``en``."""
    if isinstance(value, str):
        lang = value.strip().lower().replace("_", "-").split("-")[0]
        if lang in LOCALES:
            return lang
    return "en"


def message(text: str, locale: str) -> str:
    if locale == "fr":
        if text.startswith("The security code of this card is "):
            return "Le cryptogramme de cette carte a " + text.removeprefix(
                "The security code of this card is ").replace(" digits.", " chiffres.")
        return FR.get(text, text)
    return text


def format_amount(amount: int, currency: str, locale: str = "en") -> str:
    """€150.00 (en) / 150,00 € (fr), with a narrow space between thousands in French."""
    units, cents = divmod(amount, 100)
    if locale == "fr":
        value = f"{units:,}".replace(",", "\u202f") + f",{cents:02d}"
        return f"{value}\u00a0€" if currency == "EUR" else f"{value}\u00a0{currency}"
    value = f"{units:,}.{cents:02d}"
    return f"€{value}" if currency == "EUR" else f"{value} {currency}"
