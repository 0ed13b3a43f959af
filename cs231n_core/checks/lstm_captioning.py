"""Public checks of assignment 4's LSTM layers (rnn_layers.py).

The expected values below were computed once with the reference solution on small fixed
inputs; the np.linspace inputs are CS231n's own, so those numbers match the ones in
CS231n's LSTM_Captioning notebook. The gates' order (i, f, o, g) is checked on biases
alone, worked by hand.
"""
import numpy as np

from . import public_check
from .numpy_tools import _values
from .rnn_tools import _backward_check, cs231n_case

# One time step: N = 2, D = 3, H = 2 (four gates: 4H = 8 columns).
STEP_X = np.linspace(-0.7, 0.8, num=6).reshape(2, 3)
STEP_H = 0.6 * np.cos(np.arange(4.0)).reshape(2, 2)
STEP_C = np.linspace(-1.0, 1.2, num=4).reshape(2, 2)
STEP_WX = 0.5 * np.sin(np.arange(24.0)).reshape(3, 8)
STEP_WH = np.linspace(-0.6, 0.7, num=16).reshape(2, 8)
STEP_B = np.linspace(-0.3, 0.4, num=8)
STEP_DNEXT_H = np.cos(1.7 * np.arange(4.0)).reshape(2, 2)
STEP_DNEXT_C = np.sin(0.9 * np.arange(4.0) + 0.5).reshape(2, 2)
STEP_DX = np.array([[-0.0209779055921, 0.388172234436, -0.0919802408757],
                    [0.0159595968246, 0.0845329990622, -0.0405587052676]])
STEP_DPREV_H = np.array([[0.046677219871, 0.255691486558],
                         [-0.0314080098468, 0.127973197534]])
STEP_DPREV_C = np.array([[0.405069755212, 0.465138921971],
                         [0.105983882739, 0.0496431218824]])
STEP_DWX = np.array([[-0.0496128615189, -0.0422043264362, 0.178720298718, 0.0490953421378, 0.0347348752622,
                      0.00707713779992, -0.171033488827, -0.171825648105],
                     [-0.0237579699627, -0.0254966141987, 0.113988654493, 0.0412589962791,
                      -0.00370270718874, 0.0193943695656, -0.0471753888583, -0.0801561232793],
                     [0.00209692159354, -0.0087889019612, 0.049257010267, 0.0334226504204, -0.0421402896396,
                      0.0317116013312, 0.07668271111, 0.0115134015464]])
STEP_DWH = np.array([[0.0415935676613, 0.0364551029852, -0.155595725031, -0.0447608529591, -0.0249943261495,
                      -0.0091806165845, 0.13634215711, 0.143620936513],
                     [0.0170072859818, 0.0213391215118, -0.0981881447591, -0.0399007926588, 0.0145268447561,
                      -0.0232306740696, 0.0134903297205, 0.0561389350554]])
STEP_DB = np.array([0.0861829718541, 0.055692374125, -0.215772147419, -0.0261211528623, -0.128125274836,
                    0.0410574392189, 0.412860333228, 0.305565082752])

# Sequences: N = 2, T = 3, D = 3, H = 2 (the weights of one step).
SEQ_X = np.linspace(-0.8, 0.9, num=18).reshape(2, 3, 3)
SEQ_H0 = 0.4 * np.sin(np.arange(4.0) + 1.0).reshape(2, 2)
SEQ_DH = np.cos(0.6 * np.arange(12.0)).reshape(2, 3, 2)
SEQ_DX = np.array([[[-0.035366769907, 0.123163586528, -0.000473842100726],
                    [-0.0834161200895, -0.0613776414525, 0.101277017902],
                    [-0.0302569486284, -0.14731027221, 0.0731242478021]],
                  
                   [[0.0665690106685, -0.0570402664731, -0.0499702892679],
                    [0.0953683389351, 0.145244782122, -0.137634580354],
                    [0.0104936493807, 0.136438787811, -0.0501973458593]]])
SEQ_DH0 = np.array([[-0.0500701357019, 0.162974863039],
                    [0.0267703579148, -0.0499399598926]])
SEQ_DWX = np.array([[0.0241731891673, 0.104823412054, 0.0210897931287, 0.0405512055772, 0.041172562969,
                     0.0757243232571, -0.0397170122114, 0.359179037754],
                    [0.0310556182404, 0.112822694489, 0.0229178586622, 0.0398587502541, 0.0475946607754,
                     0.0815639356568, -0.030058074161, 0.37370200482],
                    [0.0379380473136, 0.120821976923, 0.0247459241958, 0.039166294931, 0.0540167585818,
                     0.0874035480566, -0.0203991361106, 0.388224971887]])
SEQ_DWH = np.array([[0.0177352389406, 0.00981980781347, 0.00267167430452, 0.00121561476984, 0.0151200458626,
                     0.013900501063, 0.0665052940391, 0.0213288444365],
                    [0.024490094936, 0.00320712652408, 0.00224662460951, -0.000656060826179,
                     0.0219121974431, 0.0123274609566, 0.127401041293, -0.0279226943152]])
SEQ_DB = np.array([0.0688242907316, 0.0799928243457, 0.0182806553354, -0.00692455323092, 0.0642209780642,
                   0.0583961239976, 0.0965893805039, 0.145229670662])


# The backward passes: (forward pass, its arguments, the upstream gradients, the expected
# gradients and their names), each checked by rnn_tools._check_backward.
BACKWARD_CASES = {
    "lstm_step_backward": ("lstm_step_forward", [STEP_X, STEP_H, STEP_C, STEP_WX, STEP_WH, STEP_B],
                           [STEP_DNEXT_H, STEP_DNEXT_C],
                           [STEP_DX, STEP_DPREV_H, STEP_DPREV_C, STEP_DWX, STEP_DWH, STEP_DB],
                           ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]),
    "lstm_backward": ("lstm_forward", [SEQ_X, SEQ_H0, STEP_WX, STEP_WH, STEP_B], [SEQ_DH],
                      [SEQ_DX, SEQ_DH0, SEQ_DWX, SEQ_DWH, SEQ_DB], ["dx", "dh0", "dWx", "dWh", "db"]),
}
for _target, _case in BACKWARD_CASES.items():
    public_check(_target)(_backward_check(_target, *_case))


def _gate_order_case(H=3, scale=30.0, output=0.0):
    """Biases alone (no weights): the input gate open (i = 1, its activation `scale`), the
    forget gate shut (f = 0, its activation -scale), the output gate's activation
    `output` (o = 1/2 for 0) and the block input g = 1/2, so that next_c = 1/2 and
    next_h = o * tanh(1/2) whatever prev_c is."""
    b = np.concatenate([np.full(H, scale), np.full(H, -scale), np.full(H, output), np.full(H, np.arctanh(0.5))])
    return (np.ones((2, 4)), np.ones((2, H)), np.full((2, H), 7.0), np.zeros((4, 4 * H)),
            np.zeros((H, 4 * H)), b)


@public_check("lstm_step_forward")
def _check_lstm_step_forward(t):
    from cs231n_core.rnn_layers import lstm_step_forward

    next_h, next_c, _ = _values(t, t.call(lstm_step_forward, *_gate_order_case()), 3, "lstm_step_forward")
    next_h = t.expect_array(next_h, (2, 3), "next_h of 2 examples and 3 hidden units", "float")
    next_c = t.expect_array(next_c, (2, 3), "next_c", "float")
    t.expect_close(next_c, np.full((2, 3), 0.5), 1e-8,
                   "next_c = (f * prev_c) + (i * g) on biases alone (gates in the order i, f, o, g)",
                   hint=lambda got, exp: "split the activations into the gates in the order input, "
                   "forget, output, block input (i, f, o, g)")
    t.expect_close(next_h, np.full((2, 3), np.tanh(0.5) / 2), 1e-8, "next_h = o * tanh(next_c) on biases alone")
    # The gates' activations at +-800: exp(800) overflows, a stable sigmoid gives 1 and 0.
    next_h, _, _ = _values(t, t.call(lstm_step_forward, *_gate_order_case(scale=800.0, output=800.0)), 3,
                           "lstm_step_forward")
    t.expect_close(next_h, np.full((2, 3), np.tanh(0.5)), 1e-8,
                   "next_h with the gates' activations at +-800 (i = o = 1, f = 0)",
                   hint=lambda got, exp: "use the numerically stable sigmoid of rnn_layers.py: "
                   "exp(800) overflows" if not np.all(np.isfinite(got)) else None)

    # CS231n's check.
    args, expected = cs231n_case("lstm_step_forward")
    next_h, next_c, _ = _values(t, t.call(lstm_step_forward, *args), 3, "lstm_step_forward")
    t.expect_close(next_c, expected["next_c"], 1e-7, "CS231n's expected next_c")
    t.expect_close(next_h, expected["next_h"], 1e-7, "CS231n's expected next_h")


@public_check("lstm_forward")
def _check_lstm_forward(t):
    from cs231n_core.rnn_layers import lstm_forward

    args, expected = cs231n_case("lstm_forward")
    h, _ = _values(t, t.call(lstm_forward, *args), 2, "lstm_forward (h, cache: the cell state is not returned)")
    h = t.expect_array(h, (2, 3, 4), "h of 2 sequences of 3 steps and 4 hidden units", "float")
    t.expect_close(h, expected["h"], 1e-7, "CS231n's expected h (the cell state starts at zero)")
