"""The two steps of the staff sign-in (email, then the emailed code) and the user search."""

from django import forms


class EmailForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254,
                             widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="Code", regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"invalid": "Enter the 6-digit code from the email."},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class UserSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=254, strip=True)
