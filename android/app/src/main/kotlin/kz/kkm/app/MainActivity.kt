package kz.kkm.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import kz.kkm.app.ui.CashierApp
import kz.kkm.app.ui.CashierViewModel

/** The single activity: the Compose screens of the cashier app. */
class MainActivity : ComponentActivity() {
    private val model: CashierViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        // targetSdk 35 draws under the system bars anyway: say so, and pad by the insets.
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        setContent { CashierApp(model) }
    }
}
