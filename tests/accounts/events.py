"""Cognito custom-auth trigger events, in the shapes Cognito documents for each trigger
(common fields + request/response of Define, Create and Verify auth challenge)."""

import copy

COMMON = {
    "version": "1",
    "region": "us-east-1",
    "userPoolId": "us-east-1_example",
    "userName": "3f1c0b6e-2b7a-4d39-9f0e-6a2d6f7b9c10",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "example-client-id"},
}
USER_ATTRIBUTES = {
    "sub": "3f1c0b6e-2b7a-4d39-9f0e-6a2d6f7b9c10",
    "email": "person@example.com",
    "email_verified": "true",
    "cognito:user_status": "CONFIRMED",
}


def define(session: list[dict], *, user_not_found: bool = False) -> dict:
    return copy.deepcopy({
        **COMMON, "triggerSource": "DefineAuthChallenge_Authentication",
        "request": {"userAttributes": USER_ATTRIBUTES, "session": session, "clientMetadata": {},
                    "userNotFound": user_not_found},
        "response": {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    })


def create(session: list[dict], *, user_not_found: bool = False) -> dict:
    return copy.deepcopy({
        **COMMON, "triggerSource": "CreateAuthChallenge_Authentication",
        "request": {"userAttributes": USER_ATTRIBUTES, "challengeName": "CUSTOM_CHALLENGE", "session": session,
                    "clientMetadata": {}, "userNotFound": user_not_found},
        "response": {"publicChallengeParameters": None, "privateChallengeParameters": None,
                     "challengeMetadata": None},
    })


def verify(private: dict, answer: str, *, user_not_found: bool = False) -> dict:
    return copy.deepcopy({
        **COMMON, "triggerSource": "VerifyAuthChallengeResponse_Authentication",
        "request": {"userAttributes": USER_ATTRIBUTES, "privateChallengeParameters": private,
                    "challengeAnswer": answer, "clientMetadata": {}, "userNotFound": user_not_found},
        "response": {"answerCorrect": None},
    })


def step(result: bool, metadata: str = "") -> dict:
    """One entry of `request.session` (a ChallengeResult)."""
    return {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": result, "challengeMetadata": metadata}
