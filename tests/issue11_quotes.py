"""The patients' own words quoted in issue 11, shared by the dialogue and the stack tests."""

OPENING = "hi, i saw ur CAR-T study for lupus. i have lupus nephritis, can i join?"
STORY = (
    "I'm a 34 year old woman with lupus since 2018, lupus nephritis class IV on biopsy 3 months ago"
)
HEART = "sorry, I forgot, I was diagnosed with heart failure last year, my ejection fraction is 40%"
PROTEST = "it's not unknown, I definitely have heart failure"
HEP_B = "no. sorry wait, the hepatitis question before - I think I'm a hep B carrier actually?"
KIDNEYS = (
    "my kidneys did not get better, I still have 3 g protein after tacrolimus and mycophenolate"
)
DISCOID = "I have discoid lupus on my face, but my dermatologist said it's not systemic lupus"
TRANSPLANT = "I had a kidney transplant in 2021"
